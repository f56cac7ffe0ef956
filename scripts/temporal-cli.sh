#!/usr/bin/env bash
# Builds the Temporal CLI (dev server) from the Go module proxy into a cache outside the
# repository, keyed by version, and prints the binary's path. Reuses the cached binary.
# v1.5.1 is the newest tag `go install` accepts (later tags carry a `replace`).
set -euo pipefail

version="${TEMPORAL_CLI_VERSION:-v1.5.1}"

if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  if [ -x "$TEMPORAL_CLI_PATH" ]; then echo "$TEMPORAL_CLI_PATH"; exit 0; fi
  echo "temporal-cli: TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file; unset it or point it at a Temporal CLI binary" >&2
  exit 1
fi

cache="${KOMPOX_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kompox}/temporal-cli-$version"
bin="$cache/bin/temporal"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  echo "temporal-cli: Go is not installed; the Temporal CLI $version is built from source with 'go install' (Go >= 1.25). Install Go, or set TEMPORAL_CLI_PATH to an existing binary." >&2
  exit 1
fi

echo "temporal-cli: building github.com/temporalio/cli $version into $cache (several minutes on a cold machine)" >&2
mkdir -p "$cache/bin"
start=$(date +%s)
CGO_ENABLED=0 GOTOOLCHAIN=local GOBIN="$cache/bin.tmp" GOFLAGS="-trimpath" \
  go install -ldflags "-s -w -X github.com/temporalio/cli/temporalcli.Version=${version#v}" \
  "github.com/temporalio/cli/cmd/temporal@$version" >&2
mv "$cache/bin.tmp/temporal" "$bin"
rmdir "$cache/bin.tmp" 2>/dev/null || true
echo "temporal-cli: built in $(( $(date +%s) - start ))s" >&2
echo "$bin"
