#!/usr/bin/env bash
# Builds the Temporal server and its SQL schema tool (temporal-sql-tool) from the Go module proxy
# into a cache outside the repository, keyed by version, with the PostgreSQL schema files the
# module carries; prints the cache directory (bin/temporal-server, bin/temporal-sql-tool,
# schema/postgresql/v12/{temporal,visibility}/versioned). Reuses a finished cache. The server
# keeps its state in Debian's PostgreSQL 15, installed here when missing (as root).
#
# v1.29.1 is the server the Temporal CLI v1.5.1 embeds (so the module download is shared with
# scripts/temporal-cli.sh) and the one docker-compose.temporal.yml runs in production.
set -euo pipefail

version="${KOMPOX_TEMPORAL_SERVER_VERSION:-v1.29.1}"
module="go.temporal.io/server"

root="${KOMPOX_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kompox}"
cache="$root/temporal-server-$version"
stamp="$cache/.complete"

log() { echo "temporal-server: $*" >&2; }

pg_bin="${KOMPOX_POSTGRES_BIN_DIR:-/usr/lib/postgresql/15/bin}"
if [ ! -x "$pg_bin/postgres" ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    log "PostgreSQL 15 is not installed ($pg_bin/postgres); on Debian install it as root: sudo apt-get install -y postgresql-15"
    exit 1
  fi
  log "installing Debian's postgresql-15"
  cmd="apt-get install -y --no-install-recommends postgresql-15"
  DEBIAN_FRONTEND=noninteractive $cmd >&2 || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive $cmd >&2; }
fi

if [ -f "$stamp" ]; then echo "$cache"; exit 0; fi

# Two runs at once (make tools and a test) would install into the same directory.
mkdir -p "$root"
exec 9>"$cache.lock"
flock 9
if [ -f "$stamp" ]; then echo "$cache"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  log "Go is not installed; the Temporal server $version is built from source with 'go install' (Go >= 1.25). Install Go."
  exit 1
fi

log "building $module $version (server and temporal-sql-tool) into $cache (several minutes on a cold machine)"
start=$(date +%s)
rm -rf "$cache"
mkdir -p "$cache/bin.tmp" "$cache/bin"
CGO_ENABLED=0 GOTOOLCHAIN=local GOBIN="$cache/bin.tmp" GOFLAGS="-trimpath" \
  go install -ldflags "-s -w" "$module/cmd/server@$version" "$module/cmd/tools/sql@$version" >&2
"$cache/bin.tmp/server" --help >/dev/null 2>&1 || { log "the built server does not run"; exit 1; }
"$cache/bin.tmp/sql" --help >/dev/null 2>&1 || { log "the built temporal-sql-tool does not run"; exit 1; }
mv "$cache/bin.tmp/server" "$cache/bin/temporal-server"
mv "$cache/bin.tmp/sql" "$cache/bin/temporal-sql-tool"
rmdir "$cache/bin.tmp"

# The versioned schema ships in the module, which `go install` has just put in the module cache.
src="$(go env GOMODCACHE)/$module@$version/schema/postgresql/v12"
for part in temporal visibility; do
  [ -d "$src/$part/versioned" ] || { log "no schema in $src/$part/versioned"; exit 1; }
  mkdir -p "$cache/schema/postgresql/v12/$part"
  cp -R "$src/$part/versioned" "$cache/schema/postgresql/v12/$part/"
done
chmod -R u+w "$cache/schema"
touch "$stamp"
log "built in $(( $(date +%s) - start ))s"
echo "$cache"
