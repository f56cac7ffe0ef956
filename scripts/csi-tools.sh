#!/usr/bin/env bash
# Builds the Kubernetes CSI sidecars and fetches the CSI files the dev cluster needs into a cache
# outside the repository, keyed by version, and prints that directory:
#   bin/   csi-provisioner, csi-attacher, csi-snapshotter, snapshot-controller
#   crd/   the VolumeSnapshot, VolumeSnapshotContent and VolumeSnapshotClass CRDs
#   proto/ csi.proto (the CSI spec the sidecars are built with) and pluginregistration/api.proto
#          (the kubelet's plugin registration API)
#   versions.txt, written last: what the directory holds
# Reuses what is cached.
#
# The sidecars' go.mod files carry `replace` directives, so `go install` refuses them: each is
# built inside a throwaway wrapper module that requires it and copies its replaces.
set -euo pipefail
. "$(dirname "$0")/lib/build-parts.sh"

provisioner_version="${KOMPOX_CSI_PROVISIONER_VERSION:-v6.4.0}"
attacher_version="${KOMPOX_CSI_ATTACHER_VERSION:-v4.13.0}"
snapshotter_version="${KOMPOX_CSI_SNAPSHOTTER_VERSION:-v8.7.0}"
k8s_version="${KOMPOX_K8S_VERSION:-v1.36.4}"
kubelet_api_version="v0.${k8s_version#v1.}" # k8s.io/kubelet, published as v0.X.Y for v1.X.Y

root="${KOMPOX_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kompox}"
key="p${provisioner_version#v}-a${attacher_version#v}-s${snapshotter_version#v}-k${k8s_version#v}"
cache="$root/csi-$key"
bin="$cache/bin"
binaries=(csi-provisioner csi-attacher csi-snapshotter snapshot-controller)
crds=(volumesnapshotclasses volumesnapshotcontents volumesnapshots)

log() { echo "csi-tools: $*" >&2; }

# module_path BASE VERSION: BASE with the /vN suffix Go requires from major version 2 on.
module_path() {
  local major="${2#v}"; major="${major%%.*}"
  if [ "$major" -ge 2 ]; then echo "$1/v$major"; else echo "$1"; fi
}
provisioner_module=$(module_path github.com/kubernetes-csi/external-provisioner "$provisioner_version")
attacher_module=$(module_path github.com/kubernetes-csi/external-attacher "$attacher_version")
snapshotter_module=$(module_path github.com/kubernetes-csi/external-snapshotter "$snapshotter_version")
spec_module=github.com/container-storage-interface/spec

have_all() {
  [ -f "$cache/versions.txt" ] || return 1
  local b c
  for b in "${binaries[@]}"; do [ -x "$bin/$b" ] || return 1; done
  for c in "${crds[@]}"; do [ -f "$cache/crd/snapshot.storage.k8s.io_$c.yaml" ] || return 1; done
  [ -f "$cache/proto/csi.proto" ] && [ -f "$cache/proto/pluginregistration/api.proto" ]
}

# Two runs at once (make tools and a test) would race on the same temp files.
mkdir -p "$root"
exec 9>"$cache.lock"
flock 9

if have_all; then echo "$cache"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  log "Go is not installed; the CSI sidecars are built from Go modules (Go >= 1.26). Install Go and run again."
  exit 1
fi

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath"
mkdir -p "$bin"
rm -f "$cache/versions.txt"
start=$(date +%s)

# mod_field MODULE@VERSION FIELD: a field (Dir, GoMod) of `go mod download -json`.
mod_field() {
  local json v
  json=$(go mod download -json "$1" 2>&1) || true
  v=$(echo "$json" | sed -n "s/.*\"$2\": \"\(.*\)\".*/\1/p")
  [ -n "$v" ] || { log "could not download $1: $(echo "$json" | sed -n 's/.*"Error": "\(.*\)".*/\1/p')"; return 1; }
  echo "$v"
}

# wrapper_build NAME MODULE VERSION CMD...: builds MODULE/cmd/CMD at VERSION into $bin, inside a
# wrapper module in $cache/src/NAME that requires MODULE and carries MODULE's replaces. A replace
# by a relative path (external-snapshotter's client/v8 => ./client) names a nested module of the
# same repository, which is published at the same tag: it becomes a replace by that version.
wrapper_build() (
  local name="$1" module="$2" version="$3"; shift 3
  local src="$cache/src/$name" gomod go_directive line old new c v pkgs=() out="$cache/$name.tmp"
  gomod=$(mod_field "$module@$version" GoMod)
  rm -rf "$src" "$out" && mkdir -p "$src" "$out" && cd "$src"
  go mod init "kompox.local/${name}build" >/dev/null 2>&1
  go_directive=$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$gomod")
  [ -z "$go_directive" ] || go mod edit -go="$go_directive"
  # `replace A [vA] => B [vB]`, alone or in a `replace ( ... )` block; comments dropped.
  while read -r line; do
    [ -n "$line" ] || continue
    old=$(echo "${line%%=>*}" | xargs | tr ' ' '@')
    new=$(echo "${line#*=>}" | xargs | tr ' ' '@')
    case "$new" in
      ./* | ../*) new="${old%@*}@$version" ;;
    esac
    go mod edit -replace="$old=$new"
  done < <(sed 's#//.*##' "$gomod" | awk '
    /^replace[ \t]*\(/ { block = 1; next }
    block && /^\)/ { block = 0; next }
    block { print; next }
    /^replace[ \t]/ { sub(/^replace[ \t]+/, ""); print }')
  go mod edit -require="$module@$version"
  for c in "$@"; do go mod edit -tool="$module/cmd/$c"; pkgs+=("$module/cmd/$c"); done
  go mod tidy >&2
  go build -ldflags "-s -w -X main.version=$version" -o "$out/" "${pkgs[@]}"
  for c in "$@"; do
    v=$("$out/$c" --version 2>&1) || true
    [[ "$v" == *" $version"* ]] || { log "$out/$c --version does not report $version: $v"; return 1; }
  done
  mv "$out/"* "$bin/"
  rmdir "$out"
)

build_provisioner() { wrapper_build provisioner "$provisioner_module" "$provisioner_version" csi-provisioner; }
build_attacher() { wrapper_build attacher "$attacher_module" "$attacher_version" csi-attacher; }
build_snapshotter() {
  wrapper_build snapshotter "$snapshotter_module" "$snapshotter_version" csi-snapshotter snapshot-controller
}


for b in "${binaries[@]}"; do
  [ -x "$bin/$b" ] && continue
  log "building the CSI sidecars (external-provisioner $provisioner_version, external-attacher $attacher_version, external-snapshotter $snapshotter_version) into $cache; a cold build takes several minutes"
  break
done
part provisioner csi-provisioner
part attacher csi-attacher
part snapshotter csi-snapshotter snapshot-controller
wait_parts

# The CSI spec the plugin speaks is the one the sidecars were built with: the newest version
# any of them embeds (they normally agree).
spec_versions=$(for b in "${binaries[@]}"; do
  go version -m "$bin/$b" | awk -v m="$spec_module" '$1 == "dep" && $2 == m { print $3 }'
done | sort -uV)
[ -n "$spec_versions" ] || { log "no binary in $bin embeds $spec_module"; exit 1; }
[ "$(echo "$spec_versions" | wc -l)" -eq 1 ] ||
  log "the sidecars embed different CSI spec versions: $(echo $spec_versions); using the newest"
spec_version=$(echo "$spec_versions" | tail -n 1)

# The snapshot CRDs live in the nested module client/vN, published at the same tag. Group
# snapshot CRDs are left out: the snapshot-controller and csi-snapshotter run without them
# (they log a warning and turn the CSIVolumeGroupSnapshot feature off).
client_module=$(module_path github.com/kubernetes-csi/external-snapshotter/client "$snapshotter_version")
client_dir=$(mod_field "$client_module@$snapshotter_version" Dir)
spec_dir=$(mod_field "$spec_module@$spec_version" Dir)
kubelet_dir=$(mod_field "k8s.io/kubelet@$kubelet_api_version" Dir)
rm -rf "$cache/files.tmp" && mkdir -p "$cache/files.tmp/crd" "$cache/files.tmp/proto/pluginregistration"
for c in "${crds[@]}"; do
  install -m 0644 "$client_dir/config/crd/snapshot.storage.k8s.io_$c.yaml" "$cache/files.tmp/crd/"
done
install -m 0644 "$spec_dir/csi.proto" "$cache/files.tmp/proto/csi.proto"
install -m 0644 "$kubelet_dir/pkg/apis/pluginregistration/v1/api.proto" "$cache/files.tmp/proto/pluginregistration/api.proto"
rm -rf "$cache/crd" "$cache/proto"
mv "$cache/files.tmp/crd" "$cache/files.tmp/proto" "$cache/"
rmdir "$cache/files.tmp"

cat >"$cache/versions.tmp" <<EOF
$provisioner_module $provisioner_version
$attacher_module $attacher_version
$snapshotter_module $snapshotter_version
$spec_module $spec_version
k8s.io/kubelet $kubelet_api_version
EOF
mv "$cache/versions.tmp" "$cache/versions.txt"
have_all || { log "finished but $cache is incomplete"; exit 1; }
log "ready after $(( $(date +%s) - start ))s"
echo "$cache"
