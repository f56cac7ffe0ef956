# The sandbox ("pause") image every pod starts with. 3.10.2 is the tag Kubernetes v1.36
# (kubeadm's PauseVersion) and containerd v2.4 (DefaultSandboxImage) both expect, so neither
# kubelet nor containerd needs a sandbox image setting. The binary is upstream's pause.c,
# built static by scripts/real-node-tools.sh. Upstream's image also runs as 65535.
tags=(registry.k8s.io/pause:3.10.2)
entrypoint=(/pause)
user=65535:65535

inputs() { sha256sum <"$KOMPOX_REAL_NODE_BIN/pause"; }

rootfs() { install -m 755 "$KOMPOX_REAL_NODE_BIN/pause" "$1/pause"; }
