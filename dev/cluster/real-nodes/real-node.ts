// One real node: a kubelet and a containerd (with runc) in the node's own network namespace, its
// pods under its own cgroup root, its files under `<cluster>/nodes/<name>`. The node joins as
// `system:node:<name>` with a certificate of the dev CA, so the Node authorizer and NodeRestriction
// hold it to its own objects, as on a managed cluster.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureClientCert } from '../pki';
import {
  isOurProcess,
  logTail,
  ProcessIdentity,
  readPidFile,
  removePidFile,
  spawnDetached,
} from '../process';
import { cgroupPids, createCgroupRoot, isCgroupV2, removeCgroupRoot } from './node-cgroups';
import {
  cniConfig,
  containerdConfig,
  kubeletConfig,
  kubeletKubeconfig,
  NO_REGISTRY_HOSTS,
  RealNodePaths,
  realNodePaths,
} from './node-config';
import { unmountAll } from './node-mounts';
import { ensureNodeNetwork, ip, KUBERNETES_SERVICE_IP, NodeAddress, netnsPath } from './node-network';
import { csiStateDir } from '../csi/csi-stack';
import type { CsiTools } from '../csi/csi-tools';

/** The pool real nodes form; an app runs on them when its KOM lists this pool. */
export const REAL_NODE_POOL = 'real';

export interface RealNodeSpec {
  name: string;
  /** 1-based; picks the node's address and pod subnet. */
  index: number;
  zone: string;
  region: string;
}

export interface RealNodeContext {
  clusterDir: string;
  /** Prefix of this cluster's namespaces and cgroups (unique per cluster dir). */
  prefix: string;
  apiServerPort: number;
  pkiDir: string;
  caCert: string;
  /** kubelet, containerd, containerd-shim-runc-v2, ctr. */
  binDir: string;
  /** Docker-archive tars to import into every node's containerd. */
  images: string[];
  nodeLeaseSeconds: number;
  /** The CSI stack's tools, when the cluster runs it: each node then runs the node plugin. */
  csi?: CsiTools;
}

const execFileAsync = promisify(execFile);

type NodeProcess = 'api-forward' | 'containerd' | 'kubelet' | 'csi-node';

export const apiSocket = (clusterDir: string): string => join(clusterDir, 'run', 'apiserver.sock');
const relayScript = (): string => join(__dirname, 'socket-relay.js');
const cgroupRoot = (ctx: RealNodeContext, spec: RealNodeSpec): string => `${ctx.prefix}-${spec.index}`;
/** The node's /run: shim sockets and runc state, which a power-off loses like a reboot does. */
const runDir = (ctx: RealNodeContext, spec: RealNodeSpec): string =>
  `/run/kompox/${ctx.prefix}-${spec.index}`;

function identity(proc: NodeProcess, ctx: RealNodeContext, paths: RealNodePaths): ProcessIdentity {
  if (proc === 'api-forward') return { executable: 'node', marker: `${ctx.clusterDir}${sep}` };
  if (proc === 'csi-node') return { executable: 'node', marker: `${paths.dir}${sep}` };
  return { executable: proc, marker: `${paths.dir}${sep}` };
}

function alive(proc: NodeProcess, ctx: RealNodeContext, paths: RealNodePaths): number | undefined {
  const pid = readPidFile(paths.pidFile(proc));
  return pid !== undefined && isOurProcess(pid, identity(proc, ctx, paths)) ? pid : undefined;
}

/** Starts `argv` inside the node's network namespace (and nothing else: mounts stay shared). */
function spawnInNode(proc: NodeProcess, addr: NodeAddress, paths: RealNodePaths, argv: string[]): number {
  return spawnDetached('nsenter', [`--net=${netnsPath(addr.netns)}`, '--', ...argv], {
    log: paths.logFile(proc),
    pid: paths.pidFile(proc),
    cwd: paths.dir,
  });
}

async function waitFor(what: string, ok: () => boolean, timeoutMs: number, log: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline)
      throw new Error(`${what} after ${timeoutMs / 1000}s; ${log} ends with:\n${logTail(log)}`);
    await sleep(100);
  }
}

function writeConfigs(
  ctx: RealNodeContext,
  spec: RealNodeSpec,
  paths: RealNodePaths,
  addr: NodeAddress,
): void {
  for (const d of [paths.cniConfDir, paths.kubeletRoot, join(paths.dir, 'run'), join(paths.dir, 'logs')])
    mkdirSync(d, { recursive: true });
  const cert = ensureClientCert(ctx.pkiDir, `node-${spec.name}`, {
    cn: `system:node:${spec.name}`,
    groups: ['system:nodes'],
  });
  writeFileSync(paths.containerdConfig, containerdConfig(paths, runcPath(), runDir(ctx, spec)));
  mkdirSync(join(paths.registryHosts, '_default'), { recursive: true });
  writeFileSync(join(paths.registryHosts, '_default', 'hosts.toml'), NO_REGISTRY_HOSTS);
  writeFileSync(join(paths.cniConfDir, '10-kompox-dev.conflist'), cniConfig(paths, addr.podSubnet));
  writeFileSync(
    paths.kubeletKubeconfig,
    kubeletKubeconfig(ctx.apiServerPort, ctx.caCert, cert.cert, cert.key),
  );
  writeFileSync(
    paths.kubeletConfig,
    kubeletConfig(paths, {
      caCert: ctx.caCert,
      nodeIp: addr.ip,
      cgroupRoot: `/${cgroupRoot(ctx, spec)}`,
      cgroupV1: !isCgroupV2(),
      nodeLeaseSeconds: ctx.nodeLeaseSeconds,
    }),
  );
}

function runcPath(): string {
  for (const p of ['/usr/sbin/runc', '/usr/bin/runc']) if (existsSync(p)) return p;
  throw new Error('runc is not installed (Debian package runc); scripts/real-node-tools.sh installs it');
}

function ctr(ctx: RealNodeContext, paths: RealNodePaths, args: string[]): string {
  return execFileSync(
    join(ctx.binDir, 'ctr'),
    ['--address', paths.containerdSocket, '--namespace', 'k8s.io', ...args],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

/**
 * Boots the node: its namespace, containerd with the local images, then the kubelet. Processes that
 * already run are kept, so this also brings a failed node back. Returns once the kubelet runs; the
 * caller waits for the Node to be Ready.
 */
export async function bootRealNode(ctx: RealNodeContext, spec: RealNodeSpec): Promise<void> {
  const paths = realNodePaths(ctx.clusterDir, spec.name);
  const addr = ensureNodeNetwork(ctx.prefix, spec.index);
  writeConfigs(ctx, spec, paths, addr);
  createCgroupRoot(cgroupRoot(ctx, spec));

  if (!alive('api-forward', ctx, paths))
    spawnInNode('api-forward', addr, paths, [
      process.execPath,
      relayScript(),
      'forward',
      // The kubelet's way to the apiserver, and the `kubernetes` Service's for the node's pods.
      `tcp:127.0.0.1:${ctx.apiServerPort},tcp:${KUBERNETES_SERVICE_IP}:443`,
      `unix:${apiSocket(ctx.clusterDir)}`,
    ]);
  if (!alive('containerd', ctx, paths)) {
    rmSync(paths.logFile('containerd'), { force: true });
    const bin = join(ctx.binDir, 'containerd');
    // The shim is found next to containerd's own binary or on PATH.
    spawnDetached(
      'nsenter',
      [
        `--net=${netnsPath(addr.netns)}`,
        '--',
        'env',
        `PATH=${ctx.binDir}:${process.env.PATH ?? ''}`,
        bin,
        '--config',
        paths.containerdConfig,
      ],
      { log: paths.logFile('containerd'), pid: paths.pidFile('containerd'), cwd: paths.dir },
    );
    await waitFor(
      `containerd of ${spec.name} not serving`,
      () => {
        if (!existsSync(paths.containerdSocket)) return false;
        try {
          ctr(ctx, paths, ['version']);
          return true;
        } catch {
          return false;
        }
      },
      30_000,
      paths.logFile('containerd'),
    );
    // Every boot: cheap when the content is there, and a node's store may predate a new image.
    for (const tar of ctx.images) ctr(ctx, paths, ['images', 'import', tar]);
  }
  if (ctx.csi && !alive('csi-node', ctx, paths)) {
    // Runs in the machine's namespaces: its bind mounts must land where the kubelet looks.
    const registry = join(paths.kubeletRoot, 'plugins_registry');
    mkdirSync(registry, { recursive: true });
    spawnDetached(
      process.execPath,
      [
        join(__dirname, '..', 'csi', 'csi-plugin.js'),
        'node',
        '--endpoint',
        join(runDir(ctx, spec), 'csi.sock'),
        '--state',
        csiStateDir(ctx.clusterDir),
        '--csi-proto',
        ctx.csi.csiProto,
        '--registration-proto',
        ctx.csi.registrationProto,
        '--registration-socket',
        join(registry, 'kompox.sock'),
        '--node-id',
        spec.name,
        '--zone',
        spec.zone,
      ],
      { log: paths.logFile('csi-node'), pid: paths.pidFile('csi-node'), cwd: paths.dir },
    );
  }
  if (!alive('kubelet', ctx, paths)) {
    rmSync(paths.logFile('kubelet'), { force: true });
    spawnInNode('kubelet', addr, paths, [
      join(ctx.binDir, 'kubelet'),
      `--config=${paths.kubeletConfig}`,
      `--kubeconfig=${paths.kubeletKubeconfig}`,
      `--root-dir=${paths.kubeletRoot}`,
      `--cert-dir=${join(paths.dir, 'kubelet-pki')}`,
      `--hostname-override=${spec.name}`,
      `--node-ip=${addr.ip}`,
      `--node-labels=${nodeLabels(spec)}`,
      '--v=1',
    ]);
  }
}

/**
 * Imports a docker-archive tar into the running node's containerd: for images too large to import
 * into every node at boot (the Kompox image), imported by whoever needs them where they need them.
 */
export async function importRealNodeImage(
  ctx: RealNodeContext,
  spec: RealNodeSpec,
  tar: string,
): Promise<void> {
  const paths = realNodePaths(ctx.clusterDir, spec.name);
  await execFileAsync(join(ctx.binDir, 'ctr'), [
    '--address',
    paths.containerdSocket,
    '--namespace',
    'k8s.io',
    'images',
    'import',
    tar,
  ]).catch((err: Error & { stderr?: string }) => {
    throw new Error(`importing ${tar} into ${spec.name}: ${err.stderr?.trim() || err.message}`);
  });
}

export function nodeLabels(spec: RealNodeSpec): string {
  return [
    `topology.kubernetes.io/region=${spec.region}`,
    `topology.kubernetes.io/zone=${spec.zone}`,
    `kompox.dev/node-pool=${REAL_NODE_POOL}`,
    `kompox.dev/node-zone=${spec.zone}`,
  ].join(',');
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

function netnsPids(netns: string): number[] {
  try {
    return ip(['netns', 'pids', netns])
      .split('\n')
      .filter((l) => l.trim())
      .map(Number);
  } catch {
    return [];
  }
}

export type RealNodeFailure = 'unreachable' | 'poweroff';

/**
 * unreachable: SIGKILL the kubelet; containers keep running, as behind a network partition.
 * poweroff:    SIGKILL everything of the node (kubelet, containerd, shims, every container), then
 *              drop what a reboot loses (mounts, containerd's state dir), as a dead VM.
 */
export async function failRealNode(
  ctx: RealNodeContext,
  spec: RealNodeSpec,
  mode: RealNodeFailure,
): Promise<void> {
  const paths = realNodePaths(ctx.clusterDir, spec.name);
  const kubelet = alive('kubelet', ctx, paths);
  if (kubelet !== undefined) killAll([kubelet]);
  if (mode === 'unreachable') return;
  // The node plugin runs outside the node's namespace and cgroups (see bootRealNode).
  const csiNode = alive('csi-node', ctx, paths);
  if (csiNode !== undefined) killAll([csiNode]);
  const netns = `${ctx.prefix}-${spec.index}`;
  for (let i = 0; i < 50; i++) {
    const pids = [...netnsPids(netns), ...cgroupPids(cgroupRoot(ctx, spec))];
    if (pids.length === 0) break;
    killAll(pids);
    await sleep(100);
  }
  for (const p of ['api-forward', 'containerd', 'kubelet', 'csi-node'] as const)
    removePidFile(paths.pidFile(p));
  const stuck = unmountAll(paths.dir);
  if (stuck.length > 0) throw new Error(`node ${spec.name}: cannot unmount ${stuck.join(', ')}`);
  rmSync(join(paths.dir, 'containerd', 'state'), { recursive: true, force: true });
  rmSync(runDir(ctx, spec), { recursive: true, force: true });
}

/** Power off and remove everything the node left on the machine except its dir. */
export async function removeRealNode(ctx: RealNodeContext, spec: RealNodeSpec): Promise<void> {
  await failRealNode(ctx, spec, 'poweroff');
  // Give the kernel a moment to reap the killed containers before their cgroups can go.
  for (let i = 0; i < 20 && removeCgroupRoot(cgroupRoot(ctx, spec)).length > 0; i++) await sleep(100);
  const left = removeCgroupRoot(cgroupRoot(ctx, spec));
  if (left.length > 0) throw new Error(`node ${spec.name}: cgroups still in use: ${left.join(', ')}`);
}

export function realNodeRunning(
  ctx: RealNodeContext,
  spec: RealNodeSpec,
): Record<NodeProcess, number | undefined> {
  const paths = realNodePaths(ctx.clusterDir, spec.name);
  return {
    'api-forward': alive('api-forward', ctx, paths),
    containerd: alive('containerd', ctx, paths),
    kubelet: alive('kubelet', ctx, paths),
    'csi-node': alive('csi-node', ctx, paths),
  };
}

/** Names of the node dirs of a cluster (for cleanup of a cluster whose record is gone). */
export function nodeDirs(clusterDir: string): string[] {
  const dir = join(clusterDir, 'nodes');
  return existsSync(dir) ? readdirSync(dir) : [];
}
