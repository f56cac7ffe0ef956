#!/usr/bin/env bash
# Builds Prometheus Alertmanager from the Go module proxy into a cache outside the repository,
# keyed by version, and prints the binary's path. Reuses the cached binary. The failover tests run
# a real Alertmanager that delivers to a webhook Kompox serves.
#
# v0.31.1 is the newest tag `go install` accepts: from v0.32 on, the web UI is embedded from
# ui/app/dist, which the release builds with npm and the module does not carry.
set -euo pipefail

version="${KOMPOX_ALERTMANAGER_VERSION:-v0.31.1}"

if [ -n "${ALERTMANAGER_PATH:-}" ]; then
  if [ -x "$ALERTMANAGER_PATH" ]; then echo "$ALERTMANAGER_PATH"; exit 0; fi
  echo "alertmanager-tools: ALERTMANAGER_PATH=$ALERTMANAGER_PATH is not an executable file; unset it or point it at an Alertmanager binary" >&2
  exit 1
fi

root="${KOMPOX_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kompox}"
cache="$root/alertmanager-$version"
bin="$cache/bin/alertmanager"

log() { echo "alertmanager-tools: $*" >&2; }

if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

# Two runs at once (make tools and a test) would install into the same directory.
mkdir -p "$root"
exec 9>"$cache.lock"
flock 9
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  log "Go is not installed; Alertmanager $version is built from source with 'go install'. Install Go, or set ALERTMANAGER_PATH to an existing binary."
  exit 1
fi

log "building github.com/prometheus/alertmanager $version into $cache (about a minute on a cold machine)"
start=$(date +%s)
rm -rf "$cache/bin.tmp"
mkdir -p "$cache/bin"
CGO_ENABLED=0 GOTOOLCHAIN=local GOBIN="$cache/bin.tmp" GOFLAGS="-trimpath" \
  go install -ldflags "-s -w -X github.com/prometheus/common/version.Version=${version#v}" \
  "github.com/prometheus/alertmanager/cmd/alertmanager@$version" >&2
"$cache/bin.tmp/alertmanager" --version >/dev/null 2>&1 || { log "the built binary does not run"; exit 1; }
mv "$cache/bin.tmp/alertmanager" "$bin"
rmdir "$cache/bin.tmp" 2>/dev/null || true
log "built in $(( $(date +%s) - start ))s"
echo "$bin"
