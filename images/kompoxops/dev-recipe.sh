# The Kompox image for the dev cluster, built without Docker by scripts/kompoxops-image.sh: the
# layout of the Dockerfile at the repository root (Node 24 in /usr/local/bin, the app in /app,
# user 10001, the same entrypoint), filled from this checkout after `make build`. The node is the
# one the repository installs (node_modules/node), which is dynamically linked: its libraries
# and the dynamic loader come from this machine (Debian bookworm, the Dockerfile's base).
# Not in images/<name>/recipe.sh: it depends on the build output and is large, so no real node
# imports it at boot; the test that runs it imports it (see scripts/kompoxops-image.sh).
# Needs $KOMPOX_ROOT, the checkout.
tags=(kompox.dev/kompoxops:dev)
user=10001:10001
workdir=/app
entrypoint=(node --enable-source-maps /app/dist/cli/main.js)
env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin NODE_ENV=production)
labels=("org.opencontainers.image.source=kompox dev build of images/kompoxops/dev-recipe.sh")

node_bin() { echo "$KOMPOX_ROOT/node_modules/node/bin/node"; }
bridge_dir() { echo "$KOMPOX_ROOT/node_modules/@temporalio/core-bridge/releases/$(uname -m)-unknown-linux-gnu"; }

# The packages `npm ci --omit=dev` installs, from the lockfile: every entry not marked dev.
prod_packages() {
  (cd "$KOMPOX_ROOT" && "$(node_bin)" -e '
    const lock = require("./package-lock.json").packages;
    for (const [path, p] of Object.entries(lock)) if (path && !p.dev && !p.devOptional && !p.link) console.log(path);
  ')
}

# The shared libraries and loader a dynamically linked file needs, as ldd resolves them here.
libs_of() { ldd "$1" | sed -n 's#.*=> \(/[^ ]*\) .*#\1#p; s#^[[:space:]]*\(/[^ ]*\) (.*#\1#p'; }

inputs() {
  "$(node_bin)" --version
  libs_of "$(node_bin)"; libs_of "$(bridge_dir)/index.node"
  dpkg-query -W -f='${Version}\n' libc6 libstdc++6 libgcc-s1
}

rootfs() {
  local r="$1" p f
  mkdir -p "$r/usr/local/bin" "$r/app/node_modules" "$r/etc" "$r/tmp" "$r/lib64" "$r/lib/$(uname -m)-linux-gnu"
  chmod 1777 "$r/tmp"
  install -m 755 "$(node_bin)" "$r/usr/local/bin/node"
  # Each library under the name the loader asks for (ldd prints the soname paths).
  for f in $( { libs_of "$(node_bin)"; libs_of "$(bridge_dir)/index.node"; } | sort -u); do
    mkdir -p "$r$(dirname "$f")"
    cp -L "$f" "$r$f"
  done
  cp "$KOMPOX_ROOT/package.json" "$KOMPOX_ROOT/package-lock.json" "$r/app/"
  cp -a "$KOMPOX_ROOT/dist" "$r/app/dist"
  rm -f "$r/app/dist/.build-stamp"
  # Each production package without its nested node_modules, which hold packages of their own
  # (listed separately when production ones).
  prod_packages | while read -r p; do
    [ -d "$KOMPOX_ROOT/$p" ] || continue # an optional package for another platform
    mkdir -p "$r/app/$p"
    find "$KOMPOX_ROOT/$p" -mindepth 1 -maxdepth 1 ! -name node_modules -exec cp -a -t "$r/app/$p" {} +
  done
  # The Temporal core bridge ships prebuilt binaries for five platforms; this one runs here.
  find "$r/app/node_modules/@temporalio/core-bridge/releases" -mindepth 1 -maxdepth 1 \
    ! -name "$(uname -m)-unknown-linux-gnu" -exec rm -rf {} +
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nkompox:x:10001:10001:kompox:/nonexistent:/usr/sbin/nologin\n' >"$r/etc/passwd"
  printf 'root:x:0:\nkompox:x:10001:\n' >"$r/etc/group"
  # /etc/hosts (written by the kubelet) before DNS, as Debian's base image has it.
  printf 'hosts: files dns\n' >"$r/etc/nsswitch.conf"
}
