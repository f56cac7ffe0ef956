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
key=$({ cat "$0"; for n in "${names[@]}"; do echo "== $n"; recipe_key "$n"; done; } | sha256sum | cut -c1-16)
out="$root/local-images-$key"
if [ -f "$out/tags.txt" ]; then echo "$out"; exit 0; fi

# Same bytes for the same inputs: fixed order, times and owners.
rtar() { tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner "$@"; }
json_str() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }
json_arr() { # an empty list is null, as in Docker's image configs
  [ $# -gt 0 ] || { printf null; return; }
  local s o=; for s in "$@"; do o+="${o:+,}$(json_str "$s")"; done; printf '[%s]' "$o"
}
json_labels() { # KEY=VALUE... as an object; none is null
  [ $# -gt 0 ] || { printf null; return; }
  local s o=; for s in "$@"; do o+="${o:+,}$(json_str "${s%%=*}"):$(json_str "${s#*=}")"; done; printf '{%s}' "$o"
}

# build_image NAME DIR: writes DIR/NAME.tar in the docker-archive layout containerd imports:
# manifest.json naming the config (<sha256>.json) and the one layer (<diff id>/layer.tar).
build_image() (
  local name="$1" dir="$2" work="$2/.work-$1"
  tags=() entrypoint=() cmd=() env=() labels=() user=
  . "$recipes/$name/recipe.sh"
  mkdir -p "$work/rootfs" "$work/img"
  chmod 755 "$work/rootfs" # the image's / : a non-root container user must traverse it
  rootfs "$work/rootfs"
  rtar -C "$work/rootfs" -cf "$work/layer.tar" .
  local diff cfg
  diff=$(sha256sum <"$work/layer.tar" | cut -d' ' -f1)
  mkdir "$work/img/$diff" && mv "$work/layer.tar" "$work/img/$diff/layer.tar"
  printf '{"architecture":%s,"os":"linux","created":"1970-01-01T00:00:00Z","config":{"User":%s,"Env":%s,"Entrypoint":%s,"Cmd":%s,"Labels":%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":%s}]}' \
    "$(json_str "$(dpkg --print-architecture)")" "$(json_str "$user")" "$(json_arr "${env[@]}")" \
    "$(json_arr "${entrypoint[@]}")" "$(json_arr "${cmd[@]}")" "$(json_labels "${labels[@]}")" \
    "$diff" "$(json_str "kompox images/$name/recipe.sh")" >"$work/config.json"
  cfg=$(sha256sum <"$work/config.json" | cut -d' ' -f1)
  mv "$work/config.json" "$work/img/$cfg.json"
  printf '[{"Config":"%s.json","RepoTags":%s,"Layers":["%s/layer.tar"]}]' "$cfg" "$(json_arr "${tags[@]}")" "$diff" >"$work/img/manifest.json"
  rtar -C "$work/img" -cf "$dir/$name.tar.tmp" manifest.json "$cfg.json" "$diff/layer.tar"
  mv "$dir/$name.tar.tmp" "$dir/$name.tar"
  echo "$name.tar ${tags[*]}" >"$dir/$name.tags"
  rm -rf "$work"
)

# Build into a fresh directory and rename it, so an interrupted run leaves no half cache.
start=$(date +%s)
tmp="$out.tmp.$$"
trap 'rm -rf "$tmp"' EXIT
rm -rf "$tmp" && mkdir -p "$tmp"
for n in "${names[@]}"; do build_image "$n" "$tmp"; log "$n.tar ready after $(( $(date +%s) - start ))s"; done
cat "$tmp"/*.tags >"$tmp/tags.txt" && rm "$tmp"/*.tags
mv -T "$tmp" "$out" 2>/dev/null || [ -f "$out/tags.txt" ] # a concurrent run may have won
echo "$out"
