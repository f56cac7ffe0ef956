# busybox for init containers and tests (kube/convert's SUBPATH_INIT_IMAGE is busybox:1.36).
# It is Debian's static busybox (package busybox-static, installed by real-node-tools.sh), so
# the version inside is Debian's (1.35 on bookworm), recorded in a label; the tags are the
# names Kompox's manifests use. Tags are written fully qualified, as containerd's CRI looks
# them up (busybox:1.36 is docker.io/library/busybox:1.36).
tags=(docker.io/library/busybox:1.36 docker.io/library/busybox:latest)
cmd=(sh)
env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)

busybox_version() { dpkg-query -W -f='${Version}' busybox-static; }
labels=("org.opencontainers.image.version=$(busybox_version)" "org.opencontainers.image.source=Debian busybox-static")

inputs() { busybox_version; echo; sha256sum </bin/busybox; }

rootfs() {
  mkdir -p "$1/bin" "$1/etc" "$1/root" "$1/tmp"
  chmod 1777 "$1/tmp"
  chmod 700 "$1/root"
  install -m 755 /bin/busybox "$1/bin/busybox"
  # One symlink per applet, all in /bin as in the Docker Hub image.
  local a
  for a in $(/bin/busybox --list); do
    [ "$a" = busybox ] || ln -s busybox "$1/bin/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$1/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$1/etc/group"
}
