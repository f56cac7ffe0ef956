#!/usr/bin/env bash
# Builds what a real (kubelet) node of the dev cluster runs into a cache outside the repository,
# keyed by version, and prints the bin directory: kubelet, containerd, containerd-shim-runc-v2,
# ctr and the static pause binary. Installs the Debian packages the node also needs (runc, the
# CNI plugins, a static busybox for the local busybox image). Reuses cached binaries.
set -euo pipefail
. "$(dirname "$0")/lib/k8s-wrapper-module.sh"
. "$(dirname "$0")/lib/build-parts.sh"

k8s_version="${KOMPOX_K8S_VERSION:-v1.36.4}"
containerd_version="${KOMPOX_CONTAINERD_VERSION:-v2.4.2}"

root="${KOMPOX_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kompox}"
cache="$root/real-node-$k8s_version-containerd-$containerd_version"
bin="$cache/bin"

log() { echo "real-node-tools: $*" >&2; }

# runc is run by containerd's shim, the CNI plugins by containerd's CRI, busybox goes into the
# local busybox image; `ip` sets up the node's network namespace and veth pair.
ensure_packages() {
  local pkgs=(runc containernetworking-plugins busybox-static) missing=() p
  command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || pkgs+=(iproute2)
  for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    local cmd="apt-get install -y --no-install-recommends ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
      log "missing Debian packages: ${missing[*]}. Install them as root: sudo $cmd"
      return 1
    fi
    log "installing Debian packages: ${missing[*]}"
    # A fresh machine may have no package lists yet: update once and retry.
    DEBIAN_FRONTEND=noninteractive $cmd >&2 ||
      { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive $cmd >&2; }
  fi
  for p in /usr/sbin/runc /usr/lib/cni/bridge /usr/lib/cni/host-local /usr/lib/cni/loopback /bin/busybox; do
    [ -x "$p" ] || { log "$p is missing after installing the Debian packages"; return 1; }
  done
}

have_all() {
  for b in kubelet containerd containerd-shim-runc-v2 ctr pause; do
    [ -x "$bin/$b" ] || return 1
  done
  "$bin/kubelet" --version 2>/dev/null | grep -q "Kubernetes $k8s_version\$"
}

# Concurrent runs (local-images.sh calls this script) would race on the same temp files.
mkdir -p "$root"
exec 9>"$cache.lock"
flock 9

ensure_packages
if have_all; then echo "$bin"; exit 0; fi

for t in go gcc strip; do
  command -v "$t" >/dev/null 2>&1 && continue
  log "$t is not installed; kubelet and containerd are built from Go modules (Go >= 1.26) and pause with gcc (Debian: gcc libc6-dev binutils)"
  exit 1
done

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath"
mkdir -p "$bin"
start=$(date +%s)

build_kubelet() {
  k8s_wrapper_module "$cache/src/kubelet" "$k8s_version" kubelet
  cd "$cache/src/kubelet"
  go build -tags="$k8s_build_tags" -ldflags "$(k8s_ldflags "$k8s_version")" -o "$bin/kubelet.tmp" k8s.io/kubernetes/cmd/kubelet
  mv "$bin/kubelet.tmp" "$bin/kubelet"
}

# containerd's go.mod has no replace directives, so `go install` works. The tags leave out
# snapshotters that need cgo or host libraries; -X stamps what `containerd --version` prints.
build_containerd() {
  local m=github.com/containerd/containerd/v2 tmp="$cache/containerd.tmp"
  rm -rf "$tmp"
  GOBIN="$tmp" go install -tags "no_btrfs no_devmapper no_zfs" \
    -ldflags "-s -w -X $m/version.Version=$containerd_version -X $m/version.Package=$m" \
    "$m/cmd/containerd@$containerd_version" "$m/cmd/containerd-shim-runc-v2@$containerd_version" \
    "$m/cmd/ctr@$containerd_version" >&2
  mv "$tmp/"* "$bin/"
  rmdir "$tmp"
}

# The sandbox ("pause") container's binary, built as upstream's build/pause/Makefile does.
build_pause() {
  local dir
  dir=$(go mod download -json "k8s.io/kubernetes@$k8s_version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  [ -f "$dir/build/pause/linux/pause.c" ] || { log "no build/pause/linux/pause.c in k8s.io/kubernetes@$k8s_version"; return 1; }
  gcc -Os -Wall -Werror -static -DVERSION="kompox-$k8s_version" -o "$bin/pause.tmp" "$dir/build/pause/linux/pause.c"
  strip "$bin/pause.tmp"
  mv "$bin/pause.tmp" "$bin/pause"
}


log "building kubelet $k8s_version and containerd $containerd_version into $cache; a cold build takes several minutes"
# A kubelet that does not report $k8s_version (have_all failed on it) is rebuilt.
if ! "$bin/kubelet" --version 2>/dev/null | grep -q "Kubernetes $k8s_version\$"; then rm -f "$bin/kubelet"; fi
part kubelet kubelet
part containerd containerd containerd-shim-runc-v2 ctr
part pause pause
wait_parts
have_all || { log "build finished but $bin is incomplete or kubelet is not $k8s_version"; exit 1; }
echo "$bin"
