#!/usr/bin/env bash
# `make demo`: the embedded stack end to end on the example wiki app (Wiki.js + PostgreSQL,
# two volumes). Safe to run again: every step is idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/node_modules/.bin:$root/bin:$PATH"
cd "$root/examples/wiki"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "kompoxops dev up"
kompoxops dev up

step "kompoxops validate"
kompoxops validate

step "kompoxops disk create --bootstrap   (one assigned disk per volume, through the app controller)"
kompoxops disk create --bootstrap

step "kompoxops disk list"
kompoxops disk list

step "kompoxops op list"
kompoxops op list

latest=$(kompoxops op list -o json | node -e 'const o=JSON.parse(require("fs").readFileSync(0,"utf8")); console.log(o[0]?.id ?? "")')
if [ -n "$latest" ]; then
  step "kompoxops op show $latest"
  kompoxops op show "$latest"
fi

ui=$(kompoxops dev status -o json | node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).uiUrl ?? "")')
printf '\nThe Temporal Web UI is at %s. Stop everything with: make demo-down\n' "$ui"
