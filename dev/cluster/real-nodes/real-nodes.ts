// Real nodes beside the kwok nodes: the node network, the relays that carry the apiserver's traffic
// across namespaces, and the nodes themselves, spread over the zones.
//
// The apiserver reaches kubelets through its egress selector (an HTTP CONNECT proxy on a Unix
// socket, as konnectivity does on AKS and GKE); kubelets reach the apiserver through a relay in
// their namespace. The machine's own network is never touched.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { applyObject } from '../../../kube/apply';
import { readNodeHealth } from '../../../kube/node-conditions';
import { pollUntil } from '../../../kube/poll';
import { isOurProcess, readPidFile, removePidFile, spawnDetached, stopProcess } from '../process';
import { ensureClientCert } from '../pki';
import { bridgeNetns, ensureBridge, netnsPath, removeNetworks } from './node-network';
import { stopHostPortRelays } from './host-port-relay';
import { realNodePaths } from './node-config';
import {
  apiSocket,
  bootRealNode,
  failRealNode,
  importRealNodeImage,
  nodeDirs,
  RealNodeContext,
  RealNodeFailure,
  RealNodeSpec,
  removeRealNode,
} from './real-node';
import type { ClusterInfo } from '../layout';
import type { CsiTools } from '../csi/csi-tools';
import { readClusterInfo } from '../state';
import { regionOfZone } from '../nodes';

/** What a cluster records about its real nodes in cluster.json. */
export interface RealNodesInfo {
  prefix: string;
  nodes: RealNodeSpec[];
  binDir: string;
  images: string[];
  /** How long the kubelets' node Leases last (the cluster's timing). */
  nodeLeaseSeconds: number;
  /** The CSI stack's tools, when the cluster runs it. */
  csi?: CsiTools;
}

/** Unique per cluster dir, short enough for interface and namespace names. */
export const realNodePrefix = (clusterDir: string): string =>
  `kx${createHash('sha256').update(clusterDir).digest('hex').slice(0, 6)}`;

export function planRealNodes(count: number, zones: string[], region: string): RealNodeSpec[] {
  const perZone = new Map<string, number>();
  return Array.from({ length: count }, (_, i) => {
    const zone = zones[i % zones.length]!;
    const k = (perZone.get(zone) ?? 0) + 1;
    perZone.set(zone, k);
    return { name: `real-${zone}-${k}`, index: i + 1, zone, region: regionOfZone(zone, region) };
  });
}

const egressSocket = (clusterDir: string): string => join(clusterDir, 'run', 'egress.sock');
const dialerSocket = (clusterDir: string): string => join(clusterDir, 'run', 'dialer.sock');
const RELAYS = ['api-relay', 'egress', 'dialer'] as const;
type Relay = (typeof RELAYS)[number];
const relayPid = (clusterDir: string, r: Relay): string => join(clusterDir, 'run', `${r}.pid`);
const relayLog = (clusterDir: string, r: Relay): string => join(clusterDir, 'logs', `${r}.log`);
const relayId = (clusterDir: string) => ({ executable: 'node', marker: `${clusterDir}${sep}` });

/** The apiserver's certificate for kubelets, and its egress selector configuration. */
export function apiServerNodeAccess(clusterDir: string, pkiDir: string) {
  const cert = ensureClientCert(pkiDir, 'apiserver-kubelet-client', { cn: 'kube-apiserver-kubelet-client' });
  const egressConfig = join(clusterDir, 'egress-selector.yaml');
  writeFileSync(
    egressConfig,
    stringify({
      apiVersion: 'apiserver.k8s.io/v1beta1',
      kind: 'EgressSelectorConfiguration',
      egressSelections: [
        {
          name: 'cluster',
          connection: {
            proxyProtocol: 'HTTPConnect',
            transport: { uds: { udsName: egressSocket(clusterDir) } },
          },
        },
      ],
    }),
  );
  return { kubeletClientCert: cert.cert, kubeletClientKey: cert.key, egressConfig };
}

/** Starts the node network and the three relays; call before the apiserver starts. */
export function startNodeNetwork(clusterDir: string, apiServerPort: number): void {
  const prefix = realNodePrefix(clusterDir);
  ensureBridge(prefix);
  mkdirSync(join(clusterDir, 'run'), { recursive: true });
  const relay = process.execPath;
  const script = join(__dirname, 'socket-relay.js');
  const argv: Record<Relay, string[]> = {
    'api-relay': [
      relay,
      script,
      'forward',
      `unix:${apiSocket(clusterDir)}`,
      `tcp:127.0.0.1:${apiServerPort}`,
    ],
    egress: [relay, script, 'egress', `unix:${egressSocket(clusterDir)}`, `unix:${dialerSocket(clusterDir)}`],
    // Runs in the bridge's namespace, the one place every node address is reachable from.
    dialer: [
      'nsenter',
      `--net=${netnsPath(bridgeNetns(prefix))}`,
      '--',
      relay,
      script,
      'dialer',
      `unix:${dialerSocket(clusterDir)}`,
    ],
  };
  for (const r of RELAYS) {
    const pid = readPidFile(relayPid(clusterDir, r));
    if (pid !== undefined && isOurProcess(pid, relayId(clusterDir))) continue;
    const [bin, ...args] = argv[r];
    spawnDetached(bin!, args, {
      log: relayLog(clusterDir, r),
      pid: relayPid(clusterDir, r),
      cwd: clusterDir,
    });
  }
}

function context(
  clusterDir: string,
  info: RealNodesInfo,
  apiServerPort: number,
  pkiDir: string,
  caCert: string,
  nodeLeaseSeconds: number,
): RealNodeContext {
  return {
    clusterDir,
    prefix: info.prefix,
    apiServerPort,
    pkiDir,
    caCert,
    binDir: info.binDir,
    images: info.images,
    nodeLeaseSeconds,
    ...(info.csi ? { csi: info.csi } : {}),
  };
}

export interface BootRealNodesOptions {
  clusterDir: string;
  info: RealNodesInfo;
  apiServerPort: number;
  pkiDir: string;
  caCert: string;
  nodeLeaseSeconds: number;
  kc: KubeConfig;
  timeoutMs: number;
  /** Only these nodes (default all). */
  only?: string[];
}

/** Boots the nodes in parallel and waits until each one is Ready. */
export async function bootRealNodes(o: BootRealNodesOptions): Promise<void> {
  // The apiserver talks to kubelets as this user; kubeadm grants it the same role.
  await applyObject(o.kc, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'kompox-dev:apiserver-kubelet-client' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:kubelet-api-admin' },
    subjects: [
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'kube-apiserver-kubelet-client' },
    ],
  });
  const ctx = context(o.clusterDir, o.info, o.apiServerPort, o.pkiDir, o.caCert, o.nodeLeaseSeconds);
  const nodes = o.info.nodes.filter((n) => !o.only || o.only.includes(n.name));
  await Promise.all(
    nodes.map(async (spec) => {
      const paths = realNodePaths(o.clusterDir, spec.name);
      mkdirSync(paths.dir, { recursive: true });
      writeFileSync(join(paths.dir, 'node.json'), `${JSON.stringify(spec)}\n`);
      await bootRealNode(ctx, spec);
      try {
        await pollUntil(
          `node ${spec.name} to register and be Ready`,
          async () => {
            const h = await readNodeHealth(o.kc, spec.name).catch((err: Error) => {
              // Not registered yet: the kubelet creates its Node once it is up.
              if (/\b404\b|not found/i.test(err.message)) return undefined;
              throw err;
            });
            return h?.ready === 'True' ? h : undefined;
          },
          { timeoutMs: o.timeoutMs, intervalMs: 300 },
        );
      } catch (err) {
        const tail = readFileSync(paths.logFile('kubelet'), 'utf8')
          .trimEnd()
          .split('\n')
          .slice(-15)
          .join('\n');
        throw new Error(`${(err as Error).message}; the kubelet's log ends with:\n${tail}`, { cause: err });
      }
    }),
  );
}

/**
 * Stops every real node of the cluster dir and everything they left: processes, containers, mounts,
 * cgroups, namespaces, links and bridges. Works from the node dirs alone, so a cluster whose record
 * is lost is still cleaned up.
 */
export async function removeRealNodes(clusterDir: string): Promise<void> {
  const prefix = realNodePrefix(clusterDir);
  const ctx: RealNodeContext = {
    clusterDir,
    prefix,
    apiServerPort: 0,
    pkiDir: '',
    caCert: '',
    binDir: '',
    images: [],
    nodeLeaseSeconds: 0,
  };
  const errors: string[] = [];
  for (const name of nodeDirs(clusterDir)) {
    const file = join(realNodePaths(clusterDir, name).dir, 'node.json');
    if (!existsSync(file)) continue;
    const spec = JSON.parse(readFileSync(file, 'utf8')) as RealNodeSpec;
    await removeRealNode(ctx, spec).catch((err: Error) => errors.push(err.message));
  }
  for (const r of RELAYS) {
    const pid = readPidFile(relayPid(clusterDir, r));
    if (pid !== undefined) await stopProcess(pid, relayId(clusterDir), 2000);
    removePidFile(relayPid(clusterDir, r));
  }
  await stopHostPortRelays(clusterDir);
  for (const s of [apiSocket(clusterDir), egressSocket(clusterDir), dialerSocket(clusterDir)])
    rmSync(s, { force: true });
  removeNetworks(prefix);
  try {
    rmdirSync('/run/kompox'); // Only when no other cluster's node still has its dir there.
  } catch {
    // Not empty, or never made.
  }
  if (errors.length > 0) throw new Error(`cleaning up the real nodes of ${clusterDir}: ${errors.join('; ')}`);
}

/** The recorded cluster's real node called `name`, or undefined for a kwok (or unknown) node. */
export function findRealNode(info: ClusterInfo, name: string): RealNodeSpec | undefined {
  return info.realNodes?.nodes.find((n) => n.name === name);
}

function recordedContext(info: ClusterInfo): RealNodeContext {
  if (!info.realNodes) throw new Error(`the cluster in ${info.dir} has no real nodes`);
  const pki = join(info.dir, 'pki');
  return context(
    info.dir,
    info.realNodes,
    info.ports.apiServer,
    pki,
    join(pki, 'ca.crt'),
    info.realNodes.nodeLeaseSeconds,
  );
}

/** `dev node fail` of a real node: see failRealNode for what each mode does. */
export async function failRealNodeOf(
  info: ClusterInfo,
  spec: RealNodeSpec,
  mode: RealNodeFailure,
): Promise<void> {
  await failRealNode(recordedContext(info), spec, mode);
}

/** `dev node recover` of a real node: boots what is not running and waits for Ready. */
export async function recoverRealNodeOf(
  info: ClusterInfo,
  spec: RealNodeSpec,
  kc: KubeConfig,
  timeoutMs: number,
): Promise<void> {
  const ctx = recordedContext(info);
  await bootRealNodes({
    clusterDir: info.dir,
    info: info.realNodes!,
    apiServerPort: ctx.apiServerPort,
    pkiDir: ctx.pkiDir,
    caCert: ctx.caCert,
    nodeLeaseSeconds: ctx.nodeLeaseSeconds,
    kc,
    timeoutMs,
    only: [spec.name],
  });
}

/** Powers off the real node `name` of the cluster in `clusterDir`; false when it is no real node. */
export async function powerOffRealNode(clusterDir: string, name: string): Promise<boolean> {
  const info = readClusterInfo(clusterDir);
  const spec = info && findRealNode(info, name);
  if (!info || !spec) return false;
  await failRealNodeOf(info, spec, 'poweroff');
  return true;
}

/** Imports a docker-archive tar into the containerd of the real node `name` of the cluster in `clusterDir`. */
export async function importImageIntoRealNode(clusterDir: string, name: string, tar: string): Promise<void> {
  const info = readClusterInfo(clusterDir);
  const spec = info && findRealNode(info, name);
  if (!info || !spec) throw new Error(`the cluster in ${clusterDir} has no real node ${name}`);
  await importRealNodeImage(recordedContext(info), spec, tar);
}
