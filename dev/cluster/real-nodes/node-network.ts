// The real nodes' network: one namespace per node, joined by veth links to a bridge in a namespace
// of its own. Nothing here touches the machine's root namespace: no interface, no address, no route.
// Deleting the namespaces removes every link and bridge with them.
//
//   <prefix>-net   bridge br0 (10.250.0.1/24), one veth end per node
//   <prefix>-<i>   eth0 10.250.0.<10+i>/24, default route via the bridge; the kubelet, containerd,
//                  and the node's pod bridge (cni0, pod subnet 10.244.<100+i>.0/24) live here;
//                  lo also holds the `kubernetes` Service's address (10.96.0.1)
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const NODE_NETWORK = '10.250.0';
/** The bridge's address: every node and pod reaches it, so relays into the root namespace listen here. */
export const NODE_NETWORK_GATEWAY = `${NODE_NETWORK}.1`;
/**
 * The `kubernetes` Service's ClusterIP (the first of --service-cluster-ip-range). With no kube-proxy,
 * each node holds it on its loopback and relays port 443 to the apiserver, so in-cluster clients in
 * pods (KUBERNETES_SERVICE_HOST) reach the API as on any cluster.
 */
export const KUBERNETES_SERVICE_IP = '10.96.0.1';

export interface NodeAddress {
  /** Network namespace of the node, as `ip netns` names it. */
  netns: string;
  ip: string;
  podSubnet: string;
}

export const netnsPath = (name: string): string => `/run/netns/${name}`;
export const bridgeNetns = (prefix: string): string => `${prefix}-net`;

export function nodeAddress(prefix: string, index: number): NodeAddress {
  return {
    netns: `${prefix}-${index}`,
    ip: `${NODE_NETWORK}.${10 + index}`,
    podSubnet: `10.244.${100 + index}.0/24`,
  };
}

export function ip(args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('the ip command (iproute2) is not installed');
    throw new Error(`ip ${args.join(' ')}: ${e.stderr?.trim() || String(err)}`);
  }
}

const sysctl = (netns: string, key: string, value: string): void => {
  ip(['netns', 'exec', netns, 'sysctl', '-qw', `${key}=${value}`]);
};

/** Creates the bridge namespace once per cluster. */
export function ensureBridge(prefix: string): void {
  const ns = bridgeNetns(prefix);
  if (existsSync(netnsPath(ns))) return;
  ip(['netns', 'add', ns]);
  ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  ip(['-n', ns, 'link', 'add', 'br0', 'type', 'bridge']);
  ip(['-n', ns, 'addr', 'add', `${NODE_NETWORK_GATEWAY}/24`, 'dev', 'br0']);
  ip(['-n', ns, 'link', 'set', 'br0', 'up']);
  sysctl(ns, 'net.ipv4.ip_forward', '1');
}

/** Creates a node's namespace and links it to the bridge; a no-op when it exists. */
export function ensureNodeNetwork(prefix: string, index: number): NodeAddress {
  const addr = nodeAddress(prefix, index);
  if (existsSync(netnsPath(addr.netns))) {
    // A namespace made before nodes served the Service's address gets it too (api-forward binds it).
    ip(['-n', addr.netns, 'addr', 'replace', `${KUBERNETES_SERVICE_IP}/32`, 'dev', 'lo']);
    return addr;
  }
  const bridge = bridgeNetns(prefix);
  const hostEnd = `vn${index}`;
  ip(['netns', 'add', addr.netns]);
  ip(['-n', addr.netns, 'link', 'set', 'lo', 'up']);
  ip(['-n', addr.netns, 'addr', 'replace', `${KUBERNETES_SERVICE_IP}/32`, 'dev', 'lo']);
  // Both ends are born inside our namespaces, so the root namespace never sees the link.
  ip(['-n', bridge, 'link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', addr.netns]);
  ip(['-n', bridge, 'link', 'set', hostEnd, 'master', 'br0', 'up']);
  ip(['-n', addr.netns, 'addr', 'add', `${addr.ip}/24`, 'dev', 'eth0']);
  ip(['-n', addr.netns, 'link', 'set', 'eth0', 'up']);
  ip(['-n', addr.netns, 'route', 'add', 'default', 'via', NODE_NETWORK_GATEWAY]);
  sysctl(addr.netns, 'net.ipv4.ip_forward', '1');
  // Pods on one node reach pods on another through the bridge namespace's routes.
  ip(['-n', bridge, 'route', 'replace', addr.podSubnet, 'via', addr.ip]);
  return addr;
}

/** Every namespace of this cluster, node namespaces first; links and bridges go with them. */
export function removeNetworks(prefix: string): void {
  let names: string[] = [];
  try {
    names = ip(['netns', 'list'])
      .split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter((n) => n.startsWith(`${prefix}-`));
  } catch {
    return;
  }
  const bridge = bridgeNetns(prefix);
  for (const n of [...names.filter((n) => n !== bridge), ...names.filter((n) => n === bridge)]) {
    try {
      ip(['netns', 'delete', n]);
    } catch {
      // Already gone.
    }
  }
}
