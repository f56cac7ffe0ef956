# Sourced by the tool build scripts: independent parts build side by side.
# Needs $bin, $start and a log function in the sourcing script.

# part NAME FILE...: unless every FILE is in $bin, runs build_NAME in the background and logs
# its elapsed time.
pids=() names=()
part() {
  local name="$1" f missing=; shift
  for f in "$@"; do [ -x "$bin/$f" ] || missing=1; done
  [ -n "$missing" ] || return 0
  log "building $name"
  ( "build_$name"; log "$name ready after $(( $(date +%s) - start ))s" ) &
  pids+=($!) names+=("$name")
}

# wait_parts: waits for every part; exits 1 naming those that failed, after all have finished.
wait_parts() {
  local i failed=()
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || failed+=("${names[$i]}"); done
  [ ${#failed[@]} -eq 0 ] || { log "failed to build: ${failed[*]}"; exit 1; }
}
