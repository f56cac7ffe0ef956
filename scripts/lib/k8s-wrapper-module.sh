# Sourced by k8s-binaries.sh and real-node-tools.sh.
#
# Commands of k8s.io/kubernetes cannot be built with `go install`: its go.mod requires every
# staging module (k8s.io/api, client-go, ...) at v0.0.0 and replaces it with ./staging/...
# Replaces in a dependency are ignored, so each build happens in a throwaway wrapper module
# that requires k8s.io/kubernetes and replaces each staging module with its published v0.X.Y.

# k8s_wrapper_module DIR VERSION CMD...: recreates the wrapper module in DIR with
# k8s.io/kubernetes/cmd/CMD as tools, ready for `go build k8s.io/kubernetes/cmd/CMD`.
k8s_wrapper_module() (
  local src="$1" version="$2"; shift 2
  rm -rf "$src" && mkdir -p "$src" && cd "$src"
  go mod init kompox.local/k8sbuild >/dev/null 2>&1
  go mod edit -go=1.26.0
  # Every staging module upstream replaces with ./staging/... is published as v0.X.Y.
  local gomod mods m c
  gomod=$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [ -n "$gomod" ] || { echo "k8s-wrapper-module: could not read go.mod of k8s.io/kubernetes@$version" >&2; return 1; }
  mods=$(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/.*#\1#p' "$gomod" | sort -u)
  [ -n "$mods" ] || { echo "k8s-wrapper-module: no staging replaces found in $gomod" >&2; return 1; }
  for m in $mods; do go mod edit -replace="$m=$m@v0.${version#v1.}"; done
  go mod edit -require="k8s.io/kubernetes@$version"
  for c in "$@"; do go mod edit -tool="k8s.io/kubernetes/cmd/$c"; done
  go mod tidy >&2
)

# k8s_ldflags VERSION: stripped-binary ldflags whose version stamps make `--version` print
# "Kubernetes VERSION" (a module build has no git tree for upstream's hack/lib/version.sh).
k8s_ldflags() {
  local version="$1" minor="${1#v1.}" date p ld="-s -w"
  minor="${minor%%.*}"
  date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X '$p.gitVersion=$version' -X '$p.gitMajor=1' -X '$p.gitMinor=$minor'"
    ld="$ld -X '$p.gitTreeState=clean' -X '$p.gitCommit=module-$version' -X '$p.buildDate=$date'"
  done
  echo "$ld"
}

# Build tags upstream's release builds use for these commands.
k8s_build_tags=selinux,notest,grpcnotrace
