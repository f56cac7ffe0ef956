// The embedded dev stack behind `kompoxops dev up|down|status`: a Temporal dev server whose
// state is a SQLite file in the dev directory (with the Web UI), or with `server: 'postgres'` the
// Temporal server on a PostgreSQL of the dev directory's own (as teams run it), and a worker
// running this checkout's code, each a background process with a pid file. The worker encrypts payloads with
// the stack's codec key (codec.key, made once) and serves the codec protocol so the Web UI and
// `temporal --codec-endpoint` show decoded payloads.
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { msToTs } from '@temporalio/common/lib/time';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CODEC_KEY_ENV, CODEC_KEY_FILE_ENV } from '../client/codec/key-source';
import { devCodecKeyFile, ensureDevCodecKey } from '../client/codec/dev-key';
import { TASK_QUEUE } from '../api/ids';
import { ALL_SEARCH_ATTRIBUTES } from '../api/search-attributes';
import {
  type BackgroundProcess,
  runningPid,
  startBackground,
  stopBackground,
  tailLog,
} from './background-process';
import { freePorts, preferredPort } from './cluster/ports';
import {
  postgresDataDir,
  postgresProcess,
  runningPostgresPid,
  startPostgres,
  stopPostgres,
} from './postgres';
import {
  SERVER_PORT_NAMES,
  type TemporalServerPorts,
  serverArgs,
  setupSchema,
  temporalServerTools,
  writeServerConfig,
} from './temporal-server';

/** 7233, 8233, 9464, 8888 and 9095 where free, else any free port each. */
async function conventionalPorts(): Promise<[number, number, number, number, number]> {
  const port = await preferredPort(7233);
  const uiPort = await preferredPort(8233, new Set([port]));
  const metricsPort = await preferredPort(9464, new Set([port, uiPort]));
  const codecPort = await preferredPort(8888, new Set([port, uiPort, metricsPort]));
  const webhookPort = await preferredPort(9095, new Set([port, uiPort, metricsPort, codecPort]));
  return [port, uiPort, metricsPort, codecPort, webhookPort];
}
import { repoRoot } from '../workers/repo-root';
import { temporalCliPath } from './temporal-cli';
import { NAMESPACE } from '../workers/dev-stack-constants';
import {
  addDevClusterRoutes,
  describeAccess,
  loadWorkerConfig,
  writeDevWorkerConfig,
} from '../workers/worker-config';
import type { DevClusterAccess } from '../activities/deps';
import type { Timing } from './cluster/components';
import type { StartClusterOptions } from './cluster/start';
import { isDnsLabel } from '../kom/resource-id';

export const devWorkerConfigFile = (dir: string): string => join(dir, 'worker-config.yml');
export const devWebhookTokenFile = (dir: string): string => join(dir, 'webhook.token');

/** The dev receiver's bearer token: made once, readable only by its owner. */
function ensureWebhookToken(dir: string): void {
  const file = devWebhookTokenFile(dir);
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
}

function describeRouting(file: string): string[] {
  if (!existsSync(file)) return [];
  try {
    return describeAccess(loadWorkerConfig(file));
  } catch (err) {
    return [`invalid: ${(err as Error).message}`];
  }
}

export interface DevStackStatus {
  devDir: string;
  running: boolean;
  temporalAddress?: string;
  uiUrl?: string;
  /** The worker's Prometheus endpoint. */
  metricsUrl?: string;
  /** The codec server the worker runs (temporal --codec-endpoint, the Web UI's codec endpoint). */
  codecServerUrl?: string;
  /** The alert webhook receiver the worker runs, and the file with its bearer token. */
  webhookUrl?: string;
  webhookTokenFile?: string;
  /** The stack's payload codec key, used unless KOMPOX_CODEC_KEY(_FILE) is set. */
  codecKeyFile: string;
  /** The worker's configuration file and, in words, where it routes Clusters. */
  workerConfig: { file: string; routing: string[] };
  /** Which Temporal server the stack runs: the dev server (SQLite) or the server on PostgreSQL. */
  server: TemporalServerKind;
  temporal: { running: boolean; pid?: number; log: string; dbFile: string };
  /** The PostgreSQL the server on PostgreSQL keeps its state in. */
  postgres?: { running: boolean; pid?: number; log: string; dataDir: string };
  worker: { running: boolean; pid?: number; log: string };
  kubeconfig?: string;
  /** The dev cluster's real nodes (pool `real`), when it has some. */
  realNodes?: string[];
  /** The extra clusters (`dev up --extra-cluster`), when there are any. */
  extraClusters?: ExtraClusterStatus[];
}

export interface ExtraClusterStatus {
  name: string;
  dir: string;
  state: 'running' | 'degraded' | 'stopped';
  /** Its admin kubeconfig while it runs. */
  kubeconfig?: string;
  /** Its kwok nodes' zones, each with its region. */
  zones?: { zone: string; region: string }[];
}

export type TemporalServerKind = 'dev' | 'postgres';

interface StackFile {
  temporalAddress: string;
  /** The dev server's Web UI (the server on PostgreSQL has none). */
  uiUrl?: string;
  /** Absent in stacks written before there was a choice: the dev server. */
  server?: TemporalServerKind;
  /** The server on PostgreSQL: the ports of its services and of its database. */
  serverPorts?: TemporalServerPorts;
  postgresPort?: number;
  /** Where the worker serves Prometheus metrics. */
  metricsAddress?: string;
  /** Where the worker serves the codec protocol (loopback only: it has no token). */
  codecServerAddress?: string;
  /** Where the worker receives alert webhooks (bearer token in webhook.token). */
  webhookAddress?: string;
}

/** What the Temporal process's command line holds: `temporal server start-dev`, or the server binary. */
const DEV_SERVER_MATCH = 'start-dev';
const SERVER_MATCH = 'bin/temporal-server';

function temporalMatch(proc: BackgroundProcess): string {
  return runningPid(proc, SERVER_MATCH) !== undefined ? SERVER_MATCH : DEV_SERVER_MATCH;
}

const temporalPid = (proc: BackgroundProcess): number | undefined => runningPid(proc, temporalMatch(proc));
const stopTemporal = (proc: BackgroundProcess): Promise<boolean> => stopBackground(proc, temporalMatch(proc));
const serverName = (kind: TemporalServerKind | undefined): string =>
  kind === 'postgres' ? 'the Temporal server on PostgreSQL' : 'the Temporal dev server';
const WORKER_MATCH = 'workers/worker.js';

function processes(dir: string): { temporal: BackgroundProcess; worker: BackgroundProcess } {
  return {
    temporal: { name: 'temporal', pidFile: join(dir, 'temporal.pid'), logFile: join(dir, 'temporal.log') },
    worker: { name: 'worker', pidFile: join(dir, 'worker.pid'), logFile: join(dir, 'worker.log') },
  };
}

function readStackFile(dir: string): StackFile | undefined {
  const file = join(dir, 'stack.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackFile;
  } catch {
    return undefined;
  }
}

export function devStackStatus(dir: string): DevStackStatus {
  const procs = processes(dir);
  const stack = readStackFile(dir);
  const temporalPidNow = temporalPid(procs.temporal);
  const postgresMode = stack?.server === 'postgres' || existsSync(join(dir, 'postgres.pid'));
  const postgresPid = postgresMode ? runningPostgresPid(dir) : undefined;
  const workerPid = runningPid(procs.worker, WORKER_MATCH);
  const running = temporalPidNow !== undefined && workerPid !== undefined;
  return {
    devDir: dir,
    running,
    ...(stack && temporalPidNow !== undefined
      ? { temporalAddress: stack.temporalAddress, ...(stack.uiUrl ? { uiUrl: stack.uiUrl } : {}) }
      : {}),
    ...(stack?.metricsAddress && workerPid !== undefined
      ? { metricsUrl: `http://${stack.metricsAddress}/metrics` }
      : {}),
    ...(stack?.codecServerAddress && workerPid !== undefined
      ? { codecServerUrl: `http://${stack.codecServerAddress}` }
      : {}),
    ...(stack?.webhookAddress && workerPid !== undefined
      ? { webhookUrl: `http://${stack.webhookAddress}`, webhookTokenFile: devWebhookTokenFile(dir) }
      : {}),
    codecKeyFile: devCodecKeyFile(dir),
    server: stack?.server ?? 'dev',
    workerConfig: { file: devWorkerConfigFile(dir), routing: describeRouting(devWorkerConfigFile(dir)) },
    temporal: {
      running: temporalPidNow !== undefined,
      ...(temporalPidNow !== undefined ? { pid: temporalPidNow } : {}),
      log: procs.temporal.logFile,
      dbFile: join(dir, 'temporal.db'),
    },
    ...(postgresMode
      ? {
          postgres: {
            running: postgresPid !== undefined,
            ...(postgresPid !== undefined ? { pid: postgresPid } : {}),
            log: postgresProcess(dir).logFile,
            dataDir: postgresDataDir(dir),
          },
        }
      : {}),
    worker: {
      running: workerPid !== undefined,
      ...(workerPid !== undefined ? { pid: workerPid } : {}),
      log: procs.worker.logFile,
    },
  };
}

export type Progress = (message: string) => void;

export interface DevStackUpOptions {
  /**
   * The Temporal server: the dev server with its state in a SQLite file (default), or the
   * Temporal server on PostgreSQL, as production runs it. A running stack asked for the other
   * one is an error (dev down first).
   */
  server?: TemporalServerKind;
  /** Also run the local Kubernetes control plane (built from Go modules on first use). */
  cluster?: boolean;
  /** The control plane keeps an audit log of ServiceAccounts' requests (its logs/audit.log); implies `cluster`. */
  auditLog?: boolean;
  progress?: Progress;
  /**
   * Kernel-chosen ports instead of the conventional 7233, 8233, 9464 and 8888: for stacks that
   * start side by side (concurrent test files), where "free when checked" is not "free when bound".
   */
  ephemeralPorts?: boolean;
  /** Real nodes (kubelet + containerd) beside the kwok nodes; implies `cluster`. */
  realNodes?: number;
  /** Zones the real nodes are spread over; default the cluster's zones. */
  realNodeZones?: string[];
  /**
   * Zones of the cluster's kwok nodes, e.g. a cloud's (us-east-1a, …); default local-1a/b/c. A
   * local zone (`local-<n><letter>`) is in region `local-<n>`, so they may span regions; any
   * other zone is in `region`.
   */
  zones?: string[];
  region?: string;
  /** The kwok nodes' providerID template, `{node}` and `{zone}` filled in (a cloud's form); none by default. */
  nodeProviderId?: string;
  /** More labels holding the kwok nodes' zone, as a cloud's CSI node plugin adds (topology.gke.io/zone). */
  nodeZoneLabels?: string[];
  /** Node lease and monitor timings; the dev defaults are shorter than Kubernetes' own. */
  timing?: Partial<Timing>;
  /**
   * More clusters, each a control plane with kwok nodes (no real nodes, no CSI) in its own
   * directory and ports; implies `cluster`. The worker routes the Clusters named like one there.
   */
  extraClusters?: ExtraClusterOptions[];
}

export interface ExtraClusterOptions {
  /** A DNS label; KOM Clusters of this name are routed to it. */
  name: string;
  /** Default: the first cluster's zones (and region). */
  zones?: string[];
  region?: string;
}

/** Where the dev stack keeps its Kubernetes control plane. */
export function devClusterDir(dir: string): string {
  return join(dir, 'k8s');
}

/** Where the dev stack keeps its extra cluster `name`. */
export function devExtraClusterDir(dir: string, name: string): string {
  return join(dir, 'clusters', name);
}

/** The extra clusters that have a directory, started or not. */
function extraClusterNames(dir: string): string[] {
  const parent = join(dir, 'clusters');
  if (!existsSync(parent)) return [];
  return readdirSync(parent, { withFileTypes: true })
    .filter((e) => e.isDirectory() && isDnsLabel(e.name))
    .map((e) => e.name)
    .sort();
}

/** Names must be distinct DNS labels and zones well formed: said before anything starts. */
function checkExtraClusters(extras: ExtraClusterOptions[]): void {
  const seen = new Set<string>();
  extras.forEach((extra, i) => {
    const where = `extraClusters[${i}]`;
    if (!isDnsLabel(extra.name))
      throw new Error(
        `${where}.name ${JSON.stringify(extra.name)}: give a DNS label (lower-case letters, digits and '-')`,
      );
    if (seen.has(extra.name)) throw new Error(`${where}.name: "${extra.name}" is named twice`);
    seen.add(extra.name);
    if (extra.zones !== undefined && (extra.zones.length === 0 || extra.zones.some((z) => !isDnsLabel(z))))
      throw new Error(`${where}.zones: give one or more zone names (DNS labels)`);
    if (extra.zones !== undefined && new Set(extra.zones).size !== extra.zones.length)
      throw new Error(`${where}.zones: a zone is named twice`);
  });
}

export async function devStackUp(dir: string, opts: DevStackUpOptions = {}): Promise<DevStackStatus> {
  const progress = opts.progress ?? (() => {});
  if (opts.realNodes) {
    // Before anything starts, so a machine that cannot run them is told so with nothing to undo.
    const { checkRealNodeHost } = await import('./cluster/real-nodes/preflight');
    checkRealNodeHost(`kompox-probe-${process.pid}`);
  }
  const extras = opts.extraClusters ?? [];
  checkExtraClusters(extras);
  mkdirSync(dir, { recursive: true });
  ensureDevCodecKey(dir);
  ensureWebhookToken(dir);
  // Kept when present, so a developer can narrow what the dev worker may reach; an extra
  // cluster's route is added unless the file routes its name already.
  const extraNames = extras.map((e) => e.name);
  let configChanged = false;
  if (!existsSync(devWorkerConfigFile(dir))) writeDevWorkerConfig(devWorkerConfigFile(dir), extraNames);
  else configChanged = addDevClusterRoutes(devWorkerConfigFile(dir), extraNames);
  const procs = processes(dir);
  // What this call starts, undone in reverse when a later step fails: a half-started stack
  // leaves nothing running (what ran before the call keeps running).
  const undo: { what: string; stop: () => Promise<unknown> }[] = [];
  try {
    return await startStack(dir, opts, progress, procs, undo, configChanged);
  } catch (err) {
    for (const step of undo.reverse()) {
      progress(`stopping ${step.what}, which this start-up started`);
      await step.stop().catch(() => undefined);
    }
    throw err;
  }
}

async function startStack(
  dir: string,
  opts: DevStackUpOptions,
  progress: Progress,
  procs: ReturnType<typeof processes>,
  undo: { what: string; stop: () => Promise<unknown> }[],
  configChanged: boolean,
): Promise<DevStackStatus> {
  let stack = readStackFile(dir);
  const running = stack && temporalPid(procs.temporal) !== undefined ? (stack.server ?? 'dev') : undefined;
  if (running && opts.server && opts.server !== running)
    throw new Error(
      `the dev stack in ${dir} runs ${serverName(running)}, not the ${opts.server === 'dev' ? 'dev server' : 'server on PostgreSQL'}; run kompoxops dev down first`,
    );

  // Kernel-chosen ports are free when chosen, not when bound: a process started meanwhile may
  // take one first. Then start again on new ports.
  for (let attempt = 1; ; attempt++) {
    if (temporalPid(procs.temporal) === undefined || !stack) {
      const kind = opts.server ?? 'dev';
      const [port, uiPort, metricsPort, codecPort, webhookPort] = opts.ephemeralPorts
        ? ((await freePorts(5)) as [number, number, number, number, number])
        : await conventionalPorts();
      stack = {
        temporalAddress: `127.0.0.1:${port}`,
        ...(kind === 'dev' ? { uiUrl: `http://127.0.0.1:${uiPort}` } : { server: kind }),
        metricsAddress: `127.0.0.1:${metricsPort}`,
        codecServerAddress: `127.0.0.1:${codecPort}`,
        webhookAddress: `127.0.0.1:${webhookPort}`,
      };
      if (kind === 'postgres') stack = await preparePostgresServer(dir, stack, port, progress, undo);
      else progress(`starting Temporal dev server on ${stack.temporalAddress} (UI ${stack.uiUrl})`);
      const what = serverName(kind);
      if (!undo.some((u) => u.what === what))
        undo.push({
          what,
          stop: async () => {
            await stopTemporal(procs.temporal);
            rmSync(join(dir, 'stack.json'), { force: true });
          },
        });
      startTemporalProcess(dir, stack);
      writeFileSync(join(dir, 'stack.json'), JSON.stringify(stack, null, 2) + '\n');
    }
    try {
      await waitForTemporal(stack.temporalAddress, procs.temporal, serverName(stack.server));
      break;
    } catch (err) {
      if (!opts.ephemeralPorts || attempt >= 3 || !/address already in use/.test(String(err))) throw err;
      progress(
        `a port was taken before ${serverName(stack.server)} bound it; starting it again on new ports`,
      );
      stack = undefined;
    }
  }
  if (stack.server === 'postgres') await registerNamespace(stack.temporalAddress);
  await registerSearchAttributes(stack.temporalAddress);

  const extras = opts.extraClusters ?? [];
  if (opts.cluster || opts.auditLog || opts.realNodes || extras.length > 0) {
    const { startCluster, stopCluster } = await import('./cluster');
    // Each its own control plane, ports and directory, through the same code.
    const start = async (clusterDir: string, what: string, o: Omit<StartClusterOptions, 'dir'>) => {
      if ((await runningKubeconfig(clusterDir)) === undefined)
        undo.push({ what, stop: () => stopCluster(clusterDir) });
      await startCluster({ dir: clusterDir, build: true, onProgress: progress, ...o });
    };
    await start(devClusterDir(dir), 'the dev cluster', {
      ...(opts.realNodes ? { realNodes: opts.realNodes } : {}),
      ...(opts.realNodeZones ? { realNodeZones: opts.realNodeZones } : {}),
      ...(opts.zones ? { zones: opts.zones } : {}),
      ...(opts.region ? { region: opts.region } : {}),
      ...(opts.nodeProviderId ? { nodeProviderId: opts.nodeProviderId } : {}),
      ...(opts.nodeZoneLabels?.length ? { nodeZoneLabels: opts.nodeZoneLabels } : {}),
      ...(opts.timing ? { timing: opts.timing } : {}),
      ...(opts.auditLog ? { auditLog: true } : {}),
    });
    for (const extra of extras) {
      progress(`starting the extra cluster ${extra.name}`);
      const zones = extra.zones ?? opts.zones;
      const region = extra.region ?? (extra.zones ? undefined : opts.region);
      await start(devExtraClusterDir(dir, extra.name), `the extra cluster ${extra.name}`, {
        csi: false,
        ...(zones ? { zones } : {}),
        ...(region ? { region } : {}),
        ...(opts.timing ? { timing: opts.timing } : {}),
      });
    }
  }

  // A running worker read the configuration before its new routes: it starts again.
  if (configChanged && (await stopBackground(procs.worker, WORKER_MATCH)))
    progress('stopped the worker to route the new extra clusters');
  if (runningPid(procs.worker, WORKER_MATCH) === undefined) {
    progress('starting the worker');
    undo.push({ what: 'the worker', stop: () => stopBackground(procs.worker, WORKER_MATCH) });
    for (let attempt = 1; ; attempt++) {
      startWorkerProcess(dir, stack);
      try {
        await waitForWorker(stack.temporalAddress, procs.worker);
        break;
      } catch (err) {
        if (!opts.ephemeralPorts || attempt >= 3 || !/address already in use/.test(String(err))) throw err;
        // Only tests ask for ephemeral ports: the dev server's Web UI keeps the codec port it
        // was started with, and no test opens the UI.
        progress('a port was taken before the worker bound it; starting it again on new ports');
        const [metricsPort, codecPort, webhookPort] = (await freePorts(3)) as [number, number, number];
        stack = {
          ...stack,
          metricsAddress: `127.0.0.1:${metricsPort}`,
          codecServerAddress: `127.0.0.1:${codecPort}`,
          webhookAddress: `127.0.0.1:${webhookPort}`,
        };
        writeFileSync(join(dir, 'stack.json'), JSON.stringify(stack, null, 2) + '\n');
      }
    }
  } else await waitForWorker(stack.temporalAddress, procs.worker);
  return devStackStatusWithCluster(dir);
}

/** Status including the control plane, when one was started in this dev directory. */
export async function devStackStatusWithCluster(dir: string): Promise<DevStackStatus> {
  const status = devStackStatus(dir);
  const names = extraClusterNames(dir);
  const extraClusters =
    names.length > 0 ? await Promise.all(names.map((n) => extraClusterStatus(dir, n))) : [];
  const withExtras = extraClusters.length > 0 ? { ...status, extraClusters } : status;
  const kubeconfig = await devClusterKubeconfig(dir);
  if (!kubeconfig) return withExtras;
  const { readClusterInfo } = await import('./cluster');
  const real = readClusterInfo(devClusterDir(dir))?.realNodes?.nodes.map((n) => n.name);
  return { ...withExtras, kubeconfig, ...(real?.length ? { realNodes: real } : {}) };
}

async function extraClusterStatus(dir: string, name: string): Promise<ExtraClusterStatus> {
  const { clusterStatus, regionOfZone } = await import('./cluster');
  const clusterDir = devExtraClusterDir(dir, name);
  const cluster = await clusterStatus(clusterDir);
  const info = cluster.info;
  return {
    name,
    dir: clusterDir,
    state: cluster.state,
    ...(cluster.state === 'running' && info ? { kubeconfig: info.kubeconfigPath } : {}),
    ...(info ? { zones: info.zones.map((zone) => ({ zone, region: regionOfZone(zone, info.region) })) } : {}),
  };
}

/** What a dev stack worker may do with the dev cluster: route `dev` Clusters there, fence its real nodes. */
export function devClusterAccess(dir: string): DevClusterAccess {
  return {
    kubeconfig: async (cluster) =>
      cluster === undefined
        ? devClusterKubeconfig(dir)
        : // The name comes from the worker's configuration; never a path outside the dev dir.
          isDnsLabel(cluster)
          ? runningKubeconfig(devExtraClusterDir(dir, cluster))
          : undefined,
    powerOffNode: async (name) => {
      const { powerOffRealNode } = await import('./cluster');
      return powerOffRealNode(devClusterDir(dir), name);
    },
  };
}

/** The dev cluster's admin kubeconfig while its API server answers. */
export function devClusterKubeconfig(dir: string): Promise<string | undefined> {
  return runningKubeconfig(devClusterDir(dir));
}

/** A cluster directory's admin kubeconfig while its API server answers. */
async function runningKubeconfig(clusterDir: string): Promise<string | undefined> {
  if (!existsSync(clusterDir)) return undefined;
  const { clusterStatus } = await import('./cluster');
  const cluster = await clusterStatus(clusterDir);
  return cluster.state === 'running' && cluster.info ? cluster.info.kubeconfigPath : undefined;
}

export async function devStackDown(dir: string, progress: Progress = () => {}): Promise<DevStackStatus> {
  const procs = processes(dir);
  // Reverse order of start-up: worker, extra clusters, control plane, Temporal.
  if (await stopBackground(procs.worker, WORKER_MATCH)) progress('stopped the worker');
  const clusterDirs = [
    ...extraClusterNames(dir)
      .reverse()
      .map((name) => ({ dir: devExtraClusterDir(dir, name), of: ` of the extra cluster ${name}` })),
    { dir: devClusterDir(dir), of: '' },
  ].filter((c) => existsSync(c.dir));
  if (clusterDirs.length > 0) {
    const { stopCluster } = await import('./cluster');
    for (const c of clusterDirs) {
      const result = await stopCluster(c.dir);
      for (const s of result.stopped)
        if (s.how !== 'absent') progress(`stopped ${s.component}${c.of} (pid ${s.pid})`);
    }
  }
  const kind = readStackFile(dir)?.server;
  if (await stopTemporal(procs.temporal)) progress(`stopped ${serverName(kind)}`);
  if (await stopPostgres(dir)) progress('stopped PostgreSQL');
  rmSync(join(dir, 'stack.json'), { force: true });
  return devStackStatus(dir);
}

/**
 * Starts the Temporal server again on the same ports and the same SQLite file or PostgreSQL
 * database, after it died (tests SIGKILL it to prove operations survive a server crash); the
 * worker reconnects.
 */
export async function restartTemporal(dir: string): Promise<void> {
  const stack = readStackFile(dir);
  if (!stack) throw new Error(`no dev stack in ${dir}; run kompoxops dev up`);
  const proc = processes(dir).temporal;
  if (temporalPid(proc) !== undefined)
    throw new Error(`${serverName(stack.server)} of ${dir} still runs; stop it first`);
  if (stack.server === 'postgres' && runningPostgresPid(dir) === undefined && stack.postgresPort)
    await startPostgres(dir, stack.postgresPort);
  startTemporalProcess(dir, stack);
  await waitForTemporal(stack.temporalAddress, proc, serverName(stack.server));
}

/** Restarts only the worker (tests kill it to prove operations survive a crash). */
export async function restartWorker(dir: string): Promise<void> {
  const stack = readStackFile(dir);
  if (!stack) throw new Error(`no dev stack in ${dir}; run kompoxops dev up`);
  startWorkerProcess(dir, stack);
  await waitForWorker(stack.temporalAddress, processes(dir).worker);
}

const portOf = (address: string): number => Number(/:(\d+)$/.exec(address)?.[1]);

/**
 * Starts PostgreSQL (unless it runs) and brings its schema up to date, then writes the server's
 * configuration for new ports; the stack file to start the server on.
 */
async function preparePostgresServer(
  dir: string,
  stack: StackFile,
  frontendPort: number,
  progress: Progress,
  undo: { what: string; stop: () => Promise<unknown> }[],
): Promise<StackFile> {
  const tools = temporalServerTools();
  const taken = new Set(
    [stack.temporalAddress, stack.metricsAddress, stack.codecServerAddress, stack.webhookAddress].map((a) =>
      portOf(a ?? ''),
    ),
  );
  const free = (await freePorts(SERVER_PORT_NAMES.length + 5)).filter((p) => !taken.has(p));
  const previous = readStackFile(dir)?.postgresPort;
  let postgresPort = free.shift()!;
  if (runningPostgresPid(dir) !== undefined) {
    // Kept on its port; one whose port nobody remembers is started again on a new one.
    if (previous) postgresPort = previous;
    else await stopPostgres(dir);
  }
  if (runningPostgresPid(dir) === undefined) {
    progress(`starting PostgreSQL on 127.0.0.1:${postgresPort} (data in ${postgresDataDir(dir)})`);
    undo.push({ what: 'PostgreSQL', stop: () => stopPostgres(dir) });
  }
  const fresh = await startPostgres(dir, postgresPort);
  progress(fresh ? 'creating the Temporal databases and their schema' : 'checking the Temporal schema');
  setupSchema(tools, postgresPort, fresh);
  const serverPorts = Object.fromEntries(
    SERVER_PORT_NAMES.map((name, i) => [name, name === 'frontendGrpc' ? frontendPort : free[i]!]),
  ) as unknown as TemporalServerPorts;
  writeServerConfig(dir, serverPorts, postgresPort);
  progress(`starting the Temporal server on ${stack.temporalAddress} (PostgreSQL 127.0.0.1:${postgresPort})`);
  return { ...stack, serverPorts, postgresPort };
}

/** Starts the stack's Temporal server: the dev server on its SQLite file in `dir`, or the server on PostgreSQL. */
function startTemporalProcess(dir: string, stack: StackFile): void {
  if (stack.server === 'postgres') {
    startBackground(processes(dir).temporal, {
      command: temporalServerTools().server,
      args: serverArgs(dir),
      cwd: dir,
    });
    return;
  }
  if (!stack.uiUrl) throw new Error('the dev server stack has no Web UI port');
  startBackground(processes(dir).temporal, {
    command: temporalCliPath(),
    args: [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(portOf(stack.temporalAddress)),
      '--ui-port',
      String(portOf(stack.uiUrl)),
      // The UI calls the worker's codec server from the browser to show decoded payloads.
      '--ui-codec-endpoint',
      `http://${stack.codecServerAddress}`,
      '--namespace',
      NAMESPACE,
      '--db-filename',
      join(dir, 'temporal.db'),
      // SQLite's defaults make every commit wait for the disk (a 200-app tick took twice as
      // long); with a write-ahead log a killed server still loses nothing.
      '--sqlite-pragma',
      'journal_mode=wal',
      '--sqlite-pragma',
      'synchronous=normal',
      '--log-format',
      'json',
      '--log-level',
      'warn',
      // The same dynamic config the SDK's test server uses; the first keeps the server from
      // calling out for version checks, which fails offline.
      '--dynamic-config-value',
      'frontend.enableServerVersionCheck=false',
      '--dynamic-config-value',
      'frontend.enableUpdateWorkflowExecution=true',
      '--dynamic-config-value',
      'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
      // A worker that schedules an activity gets it back in the same response instead of
      // polling for it: one round trip less per step of every operation.
      '--dynamic-config-value',
      'system.enableActivityEagerExecution=true',
      // Schedules are run by the server's own per-namespace worker: with its two default
      // pollers and 30 starts a second, a tick of hundreds of apps queues up there. Its sticky
      // timeout of 5 s is shorter than such a tick: the Schedules it had not reached moved to its
      // normal queue and waited there about a minute before they started their runs.
      '--dynamic-config-value',
      'worker.perNamespaceWorkerOptions={"MaxConcurrentWorkflowTaskPollers":16,"MaxConcurrentActivityTaskPollers":16,"StickyScheduleToStartTimeout":"30s"}',
      '--dynamic-config-value',
      'worker.schedulerNamespaceStartWorkflowRPS=200',
    ],
  });
}

function startWorkerProcess(dir: string, stack: StackFile): void {
  startBackground(processes(dir).worker, {
    command: process.execPath,
    args: ['--enable-source-maps', join(repoRoot(), 'dist', 'workers', 'worker.js')],
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      KOMPOX_DEV_DIR: dir,
      KOMPOX_WORKER_CONFIG: devWorkerConfigFile(dir),
      ...(stack.metricsAddress ? { KOMPOX_METRICS_ADDRESS: stack.metricsAddress } : {}),
      ...(stack.webhookAddress
        ? {
            KOMPOX_WEBHOOK_ADDRESS: stack.webhookAddress,
            KOMPOX_WEBHOOK_TOKEN_FILE: devWebhookTokenFile(dir),
          }
        : {}),
      // Keys the user set win, as they do for the CLI; otherwise the stack's own key.
      ...(process.env[CODEC_KEY_ENV] === undefined && process.env[CODEC_KEY_FILE_ENV] === undefined
        ? { [CODEC_KEY_FILE_ENV]: devCodecKeyFile(dir) }
        : {}),
      ...(stack.codecServerAddress
        ? {
            KOMPOX_CODEC_SERVER_ADDRESS: stack.codecServerAddress,
            // Browsers name the UI by the address typed, so allow both spellings of loopback.
            ...(stack.uiUrl
              ? {
                  KOMPOX_CODEC_SERVER_CORS: [stack.uiUrl, stack.uiUrl.replace('127.0.0.1', 'localhost')].join(
                    ',',
                  ),
                }
              : {}),
          }
        : {}),
    },
  });
}

async function waitForTemporal(address: string, proc: BackgroundProcess, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last: unknown;
  while (Date.now() < deadline) {
    if (temporalPid(proc) === undefined) {
      throw new Error(
        `${what} exited during start-up; its log (${proc.logFile}) ends with:\n${tailLog(proc)}`,
      );
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      last = err;
      await sleep(250);
    }
  }
  throw new Error(`${what} did not answer on ${address} within 60s: ${String(last)}; see ${proc.logFile}`);
}

/** Retries `fn` for up to a minute: a server just started refuses some calls for a few seconds. */
async function retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${String(err)}`);
      await sleep(500);
    }
  }
}

const ALREADY_EXISTS = 6;

/**
 * The server on PostgreSQL starts with no namespace: Kompox's is registered (as auto-setup does
 * with DEFAULT_NAMESPACE), then described until the frontend knows it (namespaces are cached).
 */
async function registerNamespace(address: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await retrying(`registering namespace ${NAMESPACE}`, async () => {
      try {
        await connection.workflowService.registerNamespace({
          namespace: NAMESPACE,
          workflowExecutionRetentionPeriod: msToTs('1 day'),
        });
      } catch (err) {
        if ((err as { code?: number }).code !== ALREADY_EXISTS) throw err;
      }
      await connection.workflowService.describeNamespace({ namespace: NAMESPACE });
    });
  } finally {
    await connection.close();
  }
}

// A reused SQLite file ignores --search-attribute flags, so register them at run time.
async function registerSearchAttributes(address: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await retrying('registering search attributes', () => addMissingSearchAttributes(connection));
  } finally {
    await connection.close();
  }
}

async function addMissingSearchAttributes(connection: Connection): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace: NAMESPACE });
  const missing = ALL_SEARCH_ATTRIBUTES.filter((k) => !(k.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace: NAMESPACE,
    searchAttributes: Object.fromEntries(
      missing.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
}

async function waitForWorker(address: string, proc: BackgroundProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const pid = runningPid(proc, WORKER_MATCH);
    if (pid === undefined) {
      throw new Error(
        `the worker exited during start-up; its log (${proc.logFile}) ends with:\n${tailLog(proc)}`,
      );
    }
    // The worker writes its pid here once it polls. Pollers listed by the server linger after
    // a crash, so they cannot tell a new worker from a dead one.
    if (readReadyPid(proc) === pid) return;
    await sleep(250);
  }
  throw new Error(
    `the worker did not start polling task queue "${TASK_QUEUE}" on ${address} within 120s; see ${proc.logFile}`,
  );
}

export function workerReadyFile(dir: string): string {
  return join(dir, 'worker.ready');
}

function readReadyPid(proc: BackgroundProcess): number | undefined {
  const file = proc.pidFile.replace(/\.pid$/, '.ready');
  if (!existsSync(file)) return undefined;
  return Number(readFileSync(file, 'utf8').trim());
}
