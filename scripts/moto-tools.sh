#!/usr/bin/env bash
# Installs moto, the offline AWS emulator the eks driver is tested against, from PyPI into a
# Python virtualenv in a cache outside the repository, keyed by version, and prints the path of
# its `moto_server` executable. Reuses the cached virtualenv.
#
# Only what EC2 needs in server mode: `moto[ec2]` (no extra packages) plus Flask and flask-cors,
# which moto_server imports. `moto[server]` would also bring every other service's packages
# (docker, cfn-lint, aws-xray-sdk, ...): twice the size and three times the install time.
#
# A virtualenv cannot be moved (pip writes its path into the scripts it installs), so it is
# built in place; `.kompox-ready`, written last, marks it complete, and a directory without it
# is removed and built again.
set -euo pipefail

version="${KOMPOX_MOTO_VERSION:-5.2.5}"
python="${KOMPOX_PYTHON:-python3}"

root="${KOMPOX_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kompox}"
cache="$root/moto-$version"
server="$cache/bin/moto_server"
stamp="$cache/.kompox-ready"

log() { echo "moto-tools: $*" >&2; }

# bin/python links to the interpreter the venv was made with: gone when that Python is removed.
ready() { [ -f "$stamp" ] && [ -x "$server" ] && [ -x "$cache/bin/python" ]; }

if ready; then echo "$server"; exit 0; fi

# Two runs at once (make tools and a test) would install into the same directory.
mkdir -p "$root"
exec 9>"$cache.lock"
flock 9
if ready; then echo "$server"; exit 0; fi

if ! command -v "$python" >/dev/null 2>&1; then
  log "$python is not installed; moto $version needs Python >= 3.10 (Debian: apt-get install python3 python3-venv), or set KOMPOX_PYTHON"
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  log "$python is Python $("$python" -c 'import sys; print(sys.version.split()[0])'); moto $version needs >= 3.10. Set KOMPOX_PYTHON to a newer one"
  exit 1
fi
# Debian splits venv and ensurepip out of its python3 package.
if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    log "$python has no venv/ensurepip module; on Debian install it as root: sudo apt-get install -y python3-venv"
    exit 1
  fi
  log "installing Debian's python3-venv"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv >&2 ||
    { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv >&2; }
fi

log "installing moto $version from PyPI into $cache"
start=$(date +%s)
rm -rf "$cache"
"$python" -m venv "$cache"
"$cache/bin/python" -m pip install --quiet --disable-pip-version-check \
  "moto[ec2]==$version" flask flask-cors >&2
"$server" --help >/dev/null || { log "$server does not run"; exit 1; }
"$cache/bin/python" -m pip freeze --disable-pip-version-check >"$stamp.tmp"
mv "$stamp.tmp" "$stamp"
log "ready after $(( $(date +%s) - start ))s"
echo "$server"
