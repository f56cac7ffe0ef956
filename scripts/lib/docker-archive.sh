# Sourced by the image build scripts (local-images.sh, kompoxops-image.sh): one image recipe into
# a docker-archive tar that `ctr -n k8s.io images import` loads, without Docker or a registry.

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

# build_image RECIPE NAME DIR: sources RECIPE (see images/README.md) in a subshell and writes
# DIR/NAME.tar in the docker-archive layout containerd imports: manifest.json naming the config
# (<sha256>.json) and the one layer (<diff id>/layer.tar); DIR/NAME.tags lists its tags.
build_image() (
  local recipe="$1" name="$2" dir="$3" work="$3/.work-$2"
  tags=() entrypoint=() cmd=() env=() labels=() user= workdir=
  . "$recipe"
  mkdir -p "$work/rootfs" "$work/img"
  chmod 755 "$work/rootfs" # the image's / : a non-root container user must traverse it
  rootfs "$work/rootfs"
  rtar -C "$work/rootfs" -cf "$work/layer.tar" .
  rm -rf "$work/rootfs"
  local diff cfg
  diff=$(sha256sum <"$work/layer.tar" | cut -d' ' -f1)
  mkdir "$work/img/$diff" && mv "$work/layer.tar" "$work/img/$diff/layer.tar"
  printf '{"architecture":%s,"os":"linux","created":"1970-01-01T00:00:00Z","config":{"User":%s,"Env":%s,"Entrypoint":%s,"Cmd":%s,"WorkingDir":%s,"Labels":%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":%s}]}' \
    "$(json_str "$(dpkg --print-architecture)")" "$(json_str "$user")" "$(json_arr "${env[@]}")" \
    "$(json_arr "${entrypoint[@]}")" "$(json_arr "${cmd[@]}")" "$(json_str "$workdir")" \
    "$(json_labels "${labels[@]}")" "$diff" "$(json_str "kompox ${recipe#"$(cd "$(dirname "$recipe")/../.." && pwd)/"}")" >"$work/config.json"
  cfg=$(sha256sum <"$work/config.json" | cut -d' ' -f1)
  mv "$work/config.json" "$work/img/$cfg.json"
  printf '[{"Config":"%s.json","RepoTags":%s,"Layers":["%s/layer.tar"]}]' "$cfg" "$(json_arr "${tags[@]}")" "$diff" >"$work/img/manifest.json"
  rtar -C "$work/img" -cf "$dir/$name.tar.tmp" manifest.json "$cfg.json" "$diff/layer.tar"
  mv "$dir/$name.tar.tmp" "$dir/$name.tar"
  echo "$name.tar ${tags[*]}" >"$dir/$name.tags"
  rm -rf "$work"
)
