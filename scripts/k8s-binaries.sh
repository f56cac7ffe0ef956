#!/usr/bin/env bash
# Builds the local Kubernetes control plane from the Go module proxy into a cache outside the
# repository, keyed by version, and prints the bin directory: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and kwok. Reuses cached binaries.
#
# kube-* and etcd cannot be built with `go install` (their go.mod files carry `replace`
# directives), so each is built inside a throwaway wrapper module; kwok installs directly.
set -euo pipefail

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
  local src="$cache/src/k8s"
  local minor="${k8s_version#v1.}"; minor="${minor%%.*}"
  local staging_version="v0.${k8s_version#v1.}"
  rm -rf "$src" && mkdir -p "$src" && cd "$src"
  go mod init kompox.local/k8sbuild >/dev/null 2>&1
  go mod edit -go=1.26.0
  # Every staging module upstream replaces with ./staging/... is published as v0.X.Y.
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@$k8s_version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [ -n "$gomod" ] || { log "could not read go.mod of k8s.io/kubernetes@$k8s_version"; exit 1; }
  local mods
  mods=$(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/.*#\1#p' "$gomod" | sort -u)
  [ -n "$mods" ] || { log "no staging replaces found in $gomod"; exit 1; }
  for m in $mods; do go mod edit -replace="$m=$m@$staging_version"; done
  go mod edit -require="k8s.io/kubernetes@$k8s_version"
  for c in kube-apiserver kube-controller-manager kube-scheduler; do go mod edit -tool="k8s.io/kubernetes/cmd/$c"; done
  go mod tidy >&2
  local date; date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X '$p.gitVersion=$k8s_version' -X '$p.gitMajor=1' -X '$p.gitMinor=$minor'"
    ld="$ld -X '$p.gitTreeState=clean' -X '$p.gitCommit=module-$k8s_version' -X '$p.buildDate=$date'"
  done
  mkdir -p "$cache/kube.tmp"
  go build -tags=selinux,notest,grpcnotrace -ldflags "$ld" -o "$cache/kube.tmp/" \
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
