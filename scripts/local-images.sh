#!/usr/bin/env bash
# Builds the container images a real dev node runs, with no registry and no Docker, and prints
# the directory holding them: one docker-archive tar per image (<name>.tar, loadable with
# `ctr -n k8s.io images import`) and tags.txt ("<name>.tar <tag> <tag>..." per line).
# Each image is a recipe, images/<name>/recipe.sh (see images/README.md). The directory is a
# cache outside the repository keyed by a hash of this script, the recipes and the inputs each
# recipe names, so a warm run only hashes.
set -euo pipefail
umask 022
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
recipes=$(cd "$here/../images" && pwd)
root="${KOMPOX_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kompox}"

log() { echo "local-images: $*" >&2; }

# The pause binary and Debian's static busybox come from the node tools (about 1 s when cached).
KOMPOX_REAL_NODE_BIN=$("$here/real-node-tools.sh")
export KOMPOX_REAL_NODE_BIN

names=()
for r in "$recipes"/*/recipe.sh; do names+=("$(basename "$(dirname "$r")")"); done

# Recipes are sourced in subshells so their variables and functions never leak into each other.
recipe_key() ( . "$recipes/$1/recipe.sh"; cat "$recipes/$1/recipe.sh"; inputs )
key=$({ cat "$0" "$here/lib/docker-archive.sh"; for n in "${names[@]}"; do echo "== $n"; recipe_key "$n"; done; } | sha256sum | cut -c1-16)
out="$root/local-images-$key"
if [ -f "$out/tags.txt" ]; then echo "$out"; exit 0; fi

. "$here/lib/docker-archive.sh"

# Build into a fresh directory and rename it, so an interrupted run leaves no half cache.
start=$(date +%s)
tmp="$out.tmp.$$"
trap 'rm -rf "$tmp"' EXIT
rm -rf "$tmp" && mkdir -p "$tmp"
for n in "${names[@]}"; do build_image "$recipes/$n/recipe.sh" "$n" "$tmp"; log "$n.tar ready after $(( $(date +%s) - start ))s"; done
cat "$tmp"/*.tags >"$tmp/tags.txt" && rm "$tmp"/*.tags
mv -T "$tmp" "$out" 2>/dev/null || [ -f "$out/tags.txt" ] # a concurrent run may have won
echo "$out"
