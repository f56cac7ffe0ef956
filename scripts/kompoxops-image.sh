#!/usr/bin/env bash
# Builds the Kompox image for the dev cluster (images/kompoxops/dev-recipe.sh: the Dockerfile's
# layout, without Docker) from this checkout's build output and prints the path of its
# docker-archive tar, loadable with `ctr -n k8s.io images import`. Run after `make build`.
# Unlike the tools it is not keyed by a version: the cache (outside the repository) is keyed by
# a hash of dist/, package-lock.json, the recipe and its inputs, so a warm run only hashes, and
# any rebuild of the code builds a new image. Older builds are removed, all but the newest few.
set -euo pipefail
umask 022
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
KOMPOX_ROOT=$(cd "$here/.." && pwd)
export KOMPOX_ROOT
recipe="$KOMPOX_ROOT/images/kompoxops/dev-recipe.sh"
root="${KOMPOX_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kompox}"
keep=3

log() { echo "kompoxops-image: $*" >&2; }

[ -f "$KOMPOX_ROOT/dist/.build-stamp" ] || { log "no build in $KOMPOX_ROOT/dist; run 'make build' first"; exit 1; }
[ -x "$KOMPOX_ROOT/node_modules/node/bin/node" ] || { log "node_modules/node/bin/node is missing; run 'make install'"; exit 1; }

recipe_key() ( . "$recipe"; inputs )
key=$({
  cat "$0" "$here/lib/docker-archive.sh" "$recipe" "$KOMPOX_ROOT/package-lock.json"
  recipe_key
  (cd "$KOMPOX_ROOT" && find dist -type f ! -name .build-stamp -print0 | sort -z | xargs -0 sha256sum)
} | sha256sum | cut -c1-16)
out="$root/kompoxops-image-$key"
if [ -f "$out/kompoxops.tar" ]; then echo "$out/kompoxops.tar"; exit 0; fi

. "$here/lib/docker-archive.sh"
mkdir -p "$root"
exec 9>"$root/kompoxops-image.lock"
flock 9
if [ -f "$out/kompoxops.tar" ]; then echo "$out/kompoxops.tar"; exit 0; fi

# Build into a fresh directory and rename it, so an interrupted run leaves no half cache.
start=$(date +%s)
tmp="$out.tmp.$$"
trap 'rm -rf "$tmp"' EXIT
rm -rf "$tmp" && mkdir -p "$tmp"
build_image "$recipe" kompoxops "$tmp"
rm "$tmp/kompoxops.tags"
mv -T "$tmp" "$out"
log "kompoxops.tar ($(du -m "$out/kompoxops.tar" | cut -f1) MB) ready after $(( $(date +%s) - start ))s"
# Each build is hundreds of MB: keep the newest few (another checkout's tests may use one).
ls -1dt "$root"/kompoxops-image-*/ 2>/dev/null | grep -v '\.tmp\.' | tail -n +$((keep + 1)) | xargs -r rm -rf
echo "$out/kompoxops.tar"
