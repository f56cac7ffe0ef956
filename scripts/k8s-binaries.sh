#!/usr/bin/env bash
# Builds the local Kubernetes control plane from the Go module proxy into a cache outside the
# repository, keyed by version, and prints the bin directory: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and kwok. Reuses cached binaries.
#
# kube-* and etcd cannot be built with `go install` (their go.mod files carry `replace`
# directives), so each is built inside a throwaway wrapper module; kwok installs directly.
set -euo pipefail
. "$(dirname "$0")/lib/k8s-wrapper-module.sh"

k8s_version="${KOMPOX_K8S_VERSION:-v1.36.4}"
etcd_version="${KOMPOX_ETCD_VERSION:-v3.6.14}"
kwok_version="${KOMPOX_KWOK_VERSION:-v0.8.0}"

root="${KOMPOX_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kompox}"
cache="$root/k8s-$k8s_version-etcd-$etcd_version-kwok-$kwok_version"
bin="$cache/bin"

log() { echo "k8s-binaries: $*" >&2; }

have_all() {
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
    [ -x "$bin/$b" ] || return 1
  done
  "$bin/kube-apiserver" --version 2>/dev/null | grep -q "Kubernetes $k8s_version\$"
}

if have_all; then echo "$bin"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  log "Go is not installed; the control plane is built from Go modules (Go >= 1.26). Install Go and run again."
  exit 1
fi

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath"
mkdir -p "$bin"
start=$(date +%s)

build_etcd() {
  [ -x "$bin/etcd" ] && return 0
  local src="$cache/src/etcd"
  rm -rf "$src" && mkdir -p "$src" && cd "$src"
  go mod init kompox.local/etcdbuild >/dev/null 2>&1
  go get -tool "go.etcd.io/etcd/server/v3@$etcd_version" >&2
  go build -ldflags "-s -w" -o "$bin/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$bin/etcd.tmp" "$bin/etcd"
}

build_kwok() {
  [ -x "$bin/kwok" ] && return 0
  GOBIN="$cache/kwok.tmp" go install -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$kwok_version" >&2
  mv "$cache/kwok.tmp/kwok" "$bin/kwok"
  rmdir "$cache/kwok.tmp" 2>/dev/null || true
}

build_kube() {
  k8s_wrapper_module "$cache/src/k8s" "$k8s_version" kube-apiserver kube-controller-manager kube-scheduler
  cd "$cache/src/k8s"
  mkdir -p "$cache/kube.tmp"
  go build -tags="$k8s_build_tags" -ldflags "$(k8s_ldflags "$k8s_version")" -o "$cache/kube.tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
  mv "$cache/kube.tmp/"* "$bin/"
  rmdir "$cache/kube.tmp"
}

log "building the control plane ($k8s_version, etcd $etcd_version, kwok $kwok_version) into $cache; a cold build takes tens of minutes"
(build_etcd); log "etcd ready after $(( $(date +%s) - start ))s"
(build_kwok); log "kwok ready after $(( $(date +%s) - start ))s"
if ! { [ -x "$bin/kube-apiserver" ] && [ -x "$bin/kube-controller-manager" ] && [ -x "$bin/kube-scheduler" ]; }; then
  (build_kube)
fi
log "kube-apiserver, kube-controller-manager, kube-scheduler ready after $(( $(date +%s) - start ))s"
have_all || { log "build finished but $bin is incomplete or the apiserver version is not $k8s_version"; exit 1; }
echo "$bin"
