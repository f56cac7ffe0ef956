#!/usr/bin/env bash
# `make demo`: the embedded stack end to end on the example wiki app (Wiki.js + PostgreSQL in
# one pod, two volumes): Temporal + worker + a local Kubernetes control plane, disks
# bootstrapped, the app deployed into its disks' zone, a snapshot taken, the snapshot schedule
# applied. Safe to run again: every step is idempotent.
#
# KOMPOX_DEMO_PROVIDER=k3s (`make demo-k3s`) runs the same tour with a Provider on the `k3s`
# driver: disks are CSI volumes of the dev cluster's CSI stack, snapshots are VolumeSnapshots.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$root/node_modules/.bin:$root/bin:$PATH"
provider="${KOMPOX_DEMO_PROVIDER:-local}"
case "$provider" in
  local) cd "$root/examples/wiki" ;;
  k3s)
    # The wiki example with its Provider named and driven k3s, in a copy inside the dev directory.
    dev_dir="${KOMPOX_DEV_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/kompox/dev}"
    copy="$dev_dir/demo-k3s"
    rm -rf "$copy" && mkdir -p "$copy" && cp -r "$root/examples/wiki/." "$copy/"
    sed -i -e 's#/prv/local#/prv/k3s#g' -e 's#^  name: local$#  name: k3s#' -e 's#driver: local#driver: k3s#' \
      "$copy"/kompoxapp.yml "$copy"/.kompox/kom/*.yml
    cd "$copy" ;;
  *) echo "KOMPOX_DEMO_PROVIDER=$provider: use local or k3s" >&2; exit 2 ;;
esac

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
json() { node -e "const o=JSON.parse(require('fs').readFileSync(0,'utf8')); console.log($1 ?? '')"; }

step "kompoxops dev up --cluster   (Temporal dev server, worker, etcd/apiserver/scheduler/controller-manager, kwok nodes in 3 zones)"
kompoxops dev up --cluster

step "kompoxops validate"
kompoxops validate

step "kompoxops app deploy --bootstrap-disks   (disks created and assigned, objects applied, rollout verified in the disks' zone)"
kompoxops app deploy --bootstrap-disks

step "kompoxops disk list"
kompoxops disk list

step "kompoxops snapshot create   (every volume, then retention)"
kompoxops snapshot create

step "kompoxops schedule apply   (spec.snapshots.schedule becomes a Temporal Schedule)"
kompoxops schedule apply
kompoxops schedule show

step "kompoxops app status"
kompoxops app status

step "kompoxops op list"
kompoxops op list

ui=$(kompoxops dev status -o json | json o.uiUrl)
printf '\nThe Temporal Web UI is at %s. Stop everything with: make demo-down\n' "$ui"
