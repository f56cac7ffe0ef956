// Starts a real control plane on loopback: etcd → kube-apiserver → controller-manager + scheduler →
// kwok, then the simulated zone nodes, and returns once every node is Ready.
//
// Idempotent per dir: if the cluster recorded there is running and its apiserver is ready, it is
// returned as is (same pids). A half-running one is stopped and started afresh. A fresh start wipes
// etcd, so a dev cluster always begins empty; certificates and the admin token are kept.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadKubeConfig } from '../../kube/kubeconfig';
import { binaryPaths, ensureBinaries } from './binaries';
import { ComponentContext, componentArgs, DEFAULT_TIMING, healthUrl, Timing } from './components';
import { writeAuditPolicy } from './audit';
import { waitHealthy } from './health';
import { writeAdminKubeconfig } from './kubeconfig-file';
import { ClusterInfo, clusterPaths, Component } from './layout';
import { withDirLock } from './lock';
import { DEFAULT_LAYOUT, type NodeLayout, ensureNodes } from './nodes';
import { freePorts } from './ports';
import { ensurePki } from './pki';
import { isRunning, logTail, spawnDetached } from './process';
import { ensureKwokStages } from './stages';
import { removeClusterInfo, writeClusterInfo } from './state';
import { clusterStatus } from './status';
import { stopCluster } from './stop';
import { startCsiStack } from './csi/csi-stack';
import { ensureCsiTools } from './csi/csi-tools';
import { checkRealNodeHost } from './real-nodes/preflight';
import { ensureRealNodeTools } from './real-nodes/real-node-tools';
import {
  apiServerNodeAccess,
  bootRealNodes,
  planRealNodes,
  realNodePrefix,
  RealNodesInfo,
  removeRealNodes,
  startNodeNetwork,
} from './real-nodes/real-nodes';

export interface StartClusterOptions {
  /** Directory holding everything of this cluster (pid files, logs, certs, etcd data, kubeconfig). */
  dir: string;
  /** Default local-1a, local-1b, local-1c. */
  zones?: string[];
  /** Default 2. */
  nodesPerZone?: number;
  /** Region of zones whose name does not say it; a local-<n><letter> zone is in local-<n>. Default local-1. */
  region?: string;
  /** Where the binaries are; default $KOMPOX_K8S_BIN_DIR or the build script's cache dir. */
  binDir?: string;
  /** Run scripts/k8s-binaries.sh when binaries are missing (takes tens of minutes cold). */
  build?: boolean;
  timing?: Partial<Timing>;
  /** Limit for each startup phase; default 60 s (120 s for the nodes). */
  timeoutMs?: number;
  onProgress?: (message: string) => void;
  /** Real nodes (kubelet + containerd, pool `real`) to start beside the kwok nodes; default 0. */
  realNodes?: number;
  /** Zones the real nodes are spread over, round robin; default the cluster's zones. */
  realNodeZones?: string[];
  /** The kwok nodes' providerID template (NodeLayout.providerId); none by default. */
  nodeProviderId?: string;
  /** More labels holding the kwok nodes' zone (NodeLayout.zoneLabels); none by default. */
  nodeZoneLabels?: string[];
  /** Run the CSI stack (host-path plugin, provisioner, attacher, snapshotter); default true. */
  csi?: boolean;
  /** Keep an audit log of every ServiceAccount's requests in logs/audit.log (tests of RBAC); default off. */
  auditLog?: boolean;
}

export async function startCluster(opts: StartClusterOptions): Promise<ClusterInfo> {
  const dir = resolve(opts.dir);
  mkdirSync(dir, { recursive: true });
  return withDirLock(clusterPaths(dir).lock, 10 * 60_000, () => startLocked(dir, opts));
}

async function startLocked(dir: string, opts: StartClusterOptions): Promise<ClusterInfo> {
  const say = opts.onProgress ?? (() => undefined);
  const status = await clusterStatus(dir);
  if (status.state === 'running' && status.info) {
    const running = status.info.realNodes?.nodes.length ?? 0;
    if (opts.realNodes !== undefined && opts.realNodes !== running)
      throw new Error(
        `the cluster in ${dir} already runs with ${running} real nodes, not ${opts.realNodes}; stop it first (kompoxops dev down)`,
      );
    say(`cluster in ${dir} already running (${status.info.apiServerUrl})`);
    return status.info;
  }
  if (status.state !== 'stopped') {
    say(`cluster in ${dir} is only partly running; restarting it`);
    await stopCluster(dir);
  }

  const paths = clusterPaths(dir);
  const realNodeCount = opts.realNodes ?? 0;
  // Before anything starts: a machine that cannot run real nodes fails here with nothing to undo.
  if (realNodeCount > 0) checkRealNodeHost(`${realNodePrefix(dir)}-probe`);
  const [realTools, csiTools] = await Promise.all([
    realNodeCount > 0 ? ensureRealNodeTools((c) => say(c.trimEnd())) : undefined,
    opts.csi === false ? undefined : ensureCsiTools((c) => say(c.trimEnd())),
  ]);
  const binDir = await ensureBinaries({
    binDir: opts.binDir,
    build: opts.build,
    onOutput: (c) => say(c.trimEnd()),
  });
  const bins = binaryPaths(binDir);
  const pki = ensurePki(paths.pki);
  ensureKwokStages(paths.stages);
  const [etcdClient, etcdPeer, apiServer, controllerManager, scheduler, kwok] = await freePorts(6);
  const ports = {
    etcdClient: etcdClient!,
    etcdPeer: etcdPeer!,
    apiServer: apiServer!,
    controllerManager: controllerManager!,
    scheduler: scheduler!,
    kwok: kwok!,
  };
  removeClusterInfo(dir);
  rmSync(paths.etcdData, { recursive: true, force: true });
  // Real nodes of an earlier run belong to the wiped etcd: start them afresh too.
  await removeRealNodes(dir);
  rmSync(join(dir, 'nodes'), { recursive: true, force: true });
  const apiServerUrl = `https://127.0.0.1:${ports.apiServer}`;
  writeAdminKubeconfig(paths.kubeconfig, apiServerUrl, pki.caCert, pki.adminToken);

  const ctx: ComponentContext = {
    ports,
    pki,
    kubeconfig: paths.kubeconfig,
    etcdData: paths.etcdData,
    stages: paths.stages,
    timing: { ...DEFAULT_TIMING, ...opts.timing },
  };
  if (opts.auditLog) {
    writeAuditPolicy(paths.auditPolicy);
    rmSync(paths.auditLog, { force: true });
    ctx.audit = { policyFile: paths.auditPolicy, logFile: paths.auditLog };
  }
  const region = opts.region ?? DEFAULT_LAYOUT.region;
  const zones = opts.zones ?? DEFAULT_LAYOUT.zones;
  const realNodes: RealNodesInfo | undefined = realTools && {
    prefix: realNodePrefix(dir),
    nodes: planRealNodes(realNodeCount, opts.realNodeZones ?? zones, region),
    binDir: realTools.binDir,
    images: realTools.images,
    nodeLeaseSeconds: ctx.timing.nodeLeaseSeconds,
    ...(csiTools ? { csi: csiTools } : {}),
  };
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const ca = readFileSync(pki.caCert);
  const pids: Partial<Record<Component, number>> = {};

  const launch = async (c: Component): Promise<void> => {
    rmSync(paths.logFile(c), { force: true });
    const pid = spawnDetached(bins[c], componentArgs(c, ctx), {
      log: paths.logFile(c),
      pid: paths.pidFile(c),
      cwd: dir,
    });
    pids[c] = pid;
    await waitHealthy(c, healthUrl(c, ports), {
      timeoutMs,
      ca: c === 'kube-apiserver' ? ca : undefined,
      alive: () => isRunning(pid),
      logTail: () => logTail(paths.logFile(c)),
    });
    say(`${c} up (pid ${pid})`);
  };

  const t0 = Date.now();
  try {
    if (realNodes) {
      ctx.nodeAccess = apiServerNodeAccess(dir, paths.pki);
      startNodeNetwork(dir, ports.apiServer);
    }
    await launch('etcd');
    await launch('kube-apiserver');
    await Promise.all([launch('kube-controller-manager'), launch('kube-scheduler')]);
    await launch('kwok');
    const layout: NodeLayout = {
      region,
      zones,
      nodesPerZone: opts.nodesPerZone ?? DEFAULT_LAYOUT.nodesPerZone,
      ...(opts.nodeProviderId ? { providerId: opts.nodeProviderId } : {}),
      ...(opts.nodeZoneLabels?.length ? { zoneLabels: opts.nodeZoneLabels } : {}),
    };
    const kc = loadKubeConfig({ path: paths.kubeconfig });
    const nodes = await ensureNodes(kc, layout, opts.timeoutMs ?? 120_000);
    if (csiTools) {
      await startCsiStack(dir, csiTools, kc, paths.kubeconfig, nodes);
      say('CSI stack up (plugin, provisioner, attacher, snapshotter, snapshot-controller)');
    }
    if (realNodes) {
      say(`starting ${realNodes.nodes.length} real nodes (${realNodes.nodes.map((n) => n.name).join(', ')})`);
      await bootRealNodes({
        clusterDir: dir,
        info: realNodes,
        apiServerPort: ports.apiServer,
        pkiDir: paths.pki,
        caCert: pki.caCert,
        nodeLeaseSeconds: ctx.timing.nodeLeaseSeconds,
        kc,
        timeoutMs: opts.timeoutMs ?? 120_000,
      });
    }
    const info: ClusterInfo = {
      dir,
      kubeconfigPath: paths.kubeconfig,
      apiServerUrl,
      pids: pids as Record<Component, number>,
      ports,
      binDir,
      region: layout.region,
      zones: layout.zones,
      nodes,
      ...(realNodes ? { realNodes } : {}),
      startedAt: new Date().toISOString(),
    };
    writeClusterInfo(info);
    say(
      `cluster ready in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${nodes.length} kwok nodes${realNodes ? `, ${realNodes.nodes.length} real nodes` : ''}, kubeconfig ${paths.kubeconfig}`,
    );
    return info;
  } catch (err) {
    // Leave nothing half-started behind.
    await stopCluster(dir).catch(() => undefined);
    throw err instanceof Error
      ? new Error(`starting the dev cluster in ${dir} failed: ${err.message}`, { cause: err })
      : err;
  }
}
