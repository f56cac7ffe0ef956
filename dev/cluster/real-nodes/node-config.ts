// The files a real node runs from: containerd's config, the pod network's CNI config, the kubelet's
// configuration and its kubeconfig. Every path lives under the node's own dir, so two nodes (or two
// dev clusters) on one machine never share a socket, a state dir or a cgroup.
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface RealNodePaths {
  dir: string;
  containerdConfig: string;
  containerdSocket: string;
  /** containerd's hosts.toml tree (`_default/hosts.toml`). */
  registryHosts: string;
  cniConfDir: string;
  kubeletConfig: string;
  kubeletKubeconfig: string;
  kubeletRoot: string;
  /** Containers' logs. Not the machine's /var/log/pods: a kubelet removes the log directories of pods it does not know. */
  podLogsDir: string;
  pidFile: (process: string) => string;
  logFile: (process: string) => string;
}

export function realNodePaths(clusterDir: string, node: string): RealNodePaths {
  const dir = join(clusterDir, 'nodes', node);
  return {
    dir,
    containerdConfig: join(dir, 'containerd.toml'),
    containerdSocket: join(dir, 'containerd.sock'),
    registryHosts: join(dir, 'registry-hosts'),
    cniConfDir: join(dir, 'cni'),
    kubeletConfig: join(dir, 'kubelet.yaml'),
    kubeletKubeconfig: join(dir, 'kubeconfig'),
    kubeletRoot: join(dir, 'kubelet'),
    podLogsDir: join(dir, 'pod-logs'),
    pidFile: (p) => join(dir, 'run', `${p}.pid`),
    logFile: (p) => join(dir, 'logs', `${p}.log`),
  };
}

export const SANDBOX_IMAGE = 'registry.k8s.io/pause:3.10.2';

/**
 * containerd 2.x (config version 3). `runDir` is short on purpose: shim sockets are named by a
 * 64-character hash inside it, and a Unix socket path must stay under 108 bytes. Every default
 * that would point outside the node's own dirs (/run/containerd, /opt/containerd,
 * /etc/containerd/conf.d) is set.
 */
export function containerdConfig(p: RealNodePaths, runc: string, runDir: string): string {
  const q = JSON.stringify;
  return `version = 3
root = ${q(join(p.dir, 'containerd', 'root'))}
state = ${q(join(p.dir, 'containerd', 'state'))}
imports = []
# Plugins that need kernel features or services the dev node does not have.
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.erofs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing", "io.containerd.nri.v1.nri"]

[grpc]
  address = ${q(p.containerdSocket)}

[ttrpc]
  address = ${q(`${p.containerdSocket}.ttrpc`)}

[plugins."io.containerd.internal.v1.opt"]
  path = ${q(join(p.dir, 'containerd', 'opt'))}

[plugins."io.containerd.shim.v1.manager"]
  socket_dir = ${q(join(runDir, 's'))}

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = ${q(SANDBOX_IMAGE)}
  # No registry is reachable here: every pull goes to a closed local port and fails at once,
  # instead of waiting out DNS timeouts.
  [plugins."io.containerd.cri.v1.images".registry]
    config_path = ${q(p.registryHosts)}

[plugins."io.containerd.cri.v1.runtime"]
  # The machine may lack CAP_SYS_RESOURCE: never ask for a lower OOM score than containerd's own.
  restrict_oom_score_adj = true
  # Pod network namespaces under our state dir, not /var/run/netns, so cleanup finds them.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = ${q(p.cniConfDir)}
  [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
      SystemdCgroup = false
      BinaryName = ${q(runc)}
      Root = ${q(join(runDir, 'runc'))}
`;
}

/** A bridge (cni0) inside the node's namespace; pods get addresses from the node's own subnet. */
export function cniConfig(p: RealNodePaths, podSubnet: string): string {
  return `${JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'kompox-dev',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cni0',
          isGateway: true,
          ipMasq: false,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: podSubnet }]],
            routes: [{ dst: '0.0.0.0/0' }],
            dataDir: join(p.dir, 'cni-ipam'),
          },
        },
        { type: 'loopback' },
      ],
    },
    null,
    2,
  )}\n`;
}

export interface KubeletSettings {
  caCert: string;
  nodeIp: string;
  cgroupRoot: string;
  cgroupV1: boolean;
  nodeLeaseSeconds: number;
}

export function kubeletConfig(p: RealNodePaths, s: KubeletSettings): string {
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: s.nodeIp,
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    // The apiserver presents a client certificate of our CA; everyone else is refused.
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: s.caCert },
    },
    authorization: { mode: 'Webhook' },
    containerRuntimeEndpoint: `unix://${p.containerdSocket}`,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: s.cgroupRoot,
    ...(s.cgroupV1 ? { failCgroupV1: false } : {}),
    // No CAP_SYS_RESOURCE on some machines: keep the kubelet's own OOM score where it is.
    oomScoreAdj: 0,
    failSwapOn: false,
    resolvConf: '',
    volumePluginDir: join(p.dir, 'volume-plugins'),
    // In the shared /var/log/pods, each kubelet's log GC deleted the other clusters' pods' logs.
    podLogsDir: p.podLogsDir,
    nodeLeaseDurationSeconds: s.nodeLeaseSeconds,
    nodeStatusUpdateFrequency: '4s',
    // The dev machine's disk and memory belong to other things too; only evict when truly short.
    evictionHard: {
      'memory.available': '100Mi',
      'nodefs.available': '1%',
      'nodefs.inodesFree': '1%',
      'imagefs.available': '1%',
    },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    serializeImagePulls: false,
    maxPods: 30,
  });
}

export function kubeletKubeconfig(apiServerPort: number, caCert: string, cert: string, key: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      // 127.0.0.1 inside the node's namespace: the node's relay to the apiserver.
      {
        name: 'dev',
        cluster: { server: `https://127.0.0.1:${apiServerPort}`, 'certificate-authority': caCert },
      },
    ],
    users: [{ name: 'node', user: { 'client-certificate': cert, 'client-key': key } }],
    contexts: [{ name: 'dev', context: { cluster: 'dev', user: 'node' } }],
    'current-context': 'dev',
  });
}

/** Every registry resolves to a loopback port nothing listens on: a pull fails fast and says so. */
export const NO_REGISTRY_HOSTS = 'server = "http://127.0.0.1:9"\n';
