// The chaos harness: runs one Kompox operation many times, each time with one injected failure
// (the worker SIGKILLed at an activity boundary, the Temporal server SIGKILLed mid-operation,
// or transient driver faults on every call), and checks what each run leaves behind.
//
// Activity boundaries are read, not listed by hand: a clean run of the operation is made first,
// and every ActivityTaskScheduled event of its workflow (and of any child workflow it starts)
// becomes a boundary, labelled `<activity type>#<n-th of that type>` (child workflows' prefixed
// `<workflow type>#<n>/`). A killed run watches the same histories with long polls and kills
// the worker the moment its boundary's event is written, once.
//
// After each run (see checkRun):
//   completed   the operation's record is Completed, the controller holds exactly one record for
//               the request, and its workflow id ran exactly once.
//   duplicates  two disks or snapshots with the same operation-key tag (kompox-operation-key,
//               drivers/tags.ts); more than one disk or snapshot made by this operation for one
//               volume (its key family, see operationKeys); more than one assigned disk for a
//               volume; and what the case counts in the cluster (two Deployments, two PVCs).
//   orphans     a disk or snapshot under the local provider's root whose operation-key tag is the
//               digest of no idempotency key any operation the app's controller lists could have
//               used (operationKeys over every listed record and volume); a disk or snapshot
//               still `creating` or `failed` once the operation ended (half made); an
//               idempotency key file whose record does not exist; anything left in trash/.
//   mismatches  what the case checks of the app's data: checksums of the files written before
//               against the snapshot's archive or the restored disk, the PV of each volume
//               against the assigned disk, the replica count after a stop-consistent snapshot;
//               and a volume where the operation should have made a disk or snapshot and did not.
//
// KOMPOX_CHAOS=long covers every boundary of every case and more fault seeds (make chaos); the
// short form (make test) covers every boundary of the cases marked so and a fixed sample of the
// others (ChaosCase.shortBoundaries).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { localActivityRun } from './local-activity';
import { appControllerWorkflowId, operationWorkflowId } from '../../api/ids';
import { controllerViewQuery, operationQuery } from '../../api/messages';
import { type OperationKind, type OperationRecord, isFinal } from '../../api/operation';
import { keyDigest } from '../../drivers/idempotency';
import { FaultInjector } from '../../drivers/local/fault-injection';
import { extractArchive } from '../../drivers/local/snapshot-archive';
import { TAG } from '../../drivers/tags';
import { snapshotIdempotencyKey } from '../../workflows/snapshot-policy';
import { devStackStatus, restartWorker } from '../../dev/dev-stack';
import type { TestStack } from './dev-stack';
import { activityAttempts, treeChecksums } from './snapshots';
import { killAndRestartTemporal, killAndRestartWorker } from './worker-kill';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export type ChaosMode = 'short' | 'long';

export function chaosMode(): ChaosMode {
  const v = process.env.KOMPOX_CHAOS ?? 'short';
  if (v !== 'short' && v !== 'long') throw new Error(`KOMPOX_CHAOS must be short or long, not "${v}"`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Activity boundaries from histories

export interface Boundary {
  /** `<activity type>#<n>`, with `<child workflow type>#<n>/` in front for a child's. */
  label: string;
  activityType: string;
  /** When the event was written (ordering across parent and children). */
  at: number;
}

function eventMillis(e: HistoryEvent): number {
  const t = e.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;
}

/** The boundaries in `histories` (workflow id → its events so far), from `rootId` down. */
function boundariesIn(histories: Map<string, HistoryEvent[]>, rootId: string, prefix = ''): Boundary[] {
  const out: Boundary[] = [];
  const seen = new Map<string, number>();
  const next = (key: string): number => {
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return n;
  };
  for (const e of histories.get(rootId) ?? []) {
    const type = e.activityTaskScheduledEventAttributes?.activityType?.name ?? localActivityRun(e)?.type;
    if (type) out.push({ label: `${prefix}${type}#${next(type)}`, activityType: type, at: eventMillis(e) });
    const child = e.childWorkflowExecutionStartedEventAttributes;
    if (child?.workflowExecution?.workflowId) {
      const wt = child.workflowType?.name ?? 'child';
      out.push(
        ...boundariesIn(histories, child.workflowExecution.workflowId, `${prefix}${wt}#${next(`/${wt}`)}/`),
      );
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

function childIds(events: HistoryEvent[]): string[] {
  return events.flatMap((e) => {
    const id = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
    return id ? [id] : [];
  });
}

/** Every activity boundary of a finished operation workflow and its children, in order. */
export async function activityBoundaries(client: Client, workflowId: string): Promise<Boundary[]> {
  const histories = new Map<string, HistoryEvent[]>();
  const pending = [workflowId];
  while (pending.length) {
    const id = pending.pop()!;
    const events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
    histories.set(id, events);
    pending.push(...childIds(events));
  }
  return boundariesIn(histories, workflowId);
}

const grpcCode = (err: unknown): number | undefined => (err as { code?: number }).code;
const NOT_FOUND = 5;

/**
 * Long-polls the histories of `workflowId` and its children until `label` is scheduled (true)
 * or the workflow closes without it (false). `onHit` runs as soon as the event is seen.
 */
export async function waitForBoundary(
  client: Client,
  workflowId: string,
  label: string,
  onHit: () => Promise<void>,
  timeoutMs = 120_000,
): Promise<boolean> {
  const histories = new Map<string, HistoryEvent[]>();
  const deadline = Date.now() + timeoutMs;
  // Ends every long poll at once when the boundary is seen or the operation ends.
  const stop = new AbortController();
  let hit = false;
  const polls: Promise<void>[] = [];
  const follow = (id: string): void => {
    histories.set(id, []);
    polls.push(poll(id));
  };
  const poll = async (id: string): Promise<void> => {
    let token: Uint8Array | undefined;
    while (!stop.signal.aborted && Date.now() < deadline) {
      let res: temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
      try {
        res = await client.connection.withAbortSignal(
          AbortSignal.any([stop.signal, AbortSignal.timeout(20_000)]),
          () =>
            client.workflowService.getWorkflowExecutionHistory({
              namespace: client.options.namespace,
              execution: { workflowId: id },
              waitNewEvent: true,
              maximumPageSize: 1000,
              ...(token ? { nextPageToken: token } : {}),
            }),
        );
      } catch (err) {
        // Not started yet, the long poll ran out, or the server is away: ask again.
        if (!stop.signal.aborted) await sleep(grpcCode(err) === NOT_FOUND ? 50 : 20);
        continue;
      }
      const events = res.history?.events ?? [];
      histories.get(id)!.push(...events);
      for (const child of childIds(events)) if (!histories.has(child)) follow(child);
      if (boundariesIn(histories, workflowId).some((b) => b.label === label)) {
        hit = true;
        stop.abort();
        await onHit();
        return;
      }
      if (!res.nextPageToken?.length) {
        // Closed: the operation ended when its own workflow did.
        if (id === workflowId) stop.abort();
        return;
      }
      token = res.nextPageToken;
    }
  };
  follow(workflowId);
  while (polls.length) await polls.shift();
  if (!hit && !stop.signal.aborted) throw new Error(`boundary ${label} of ${workflowId} not seen in time`);
  return hit;
}

/**
 * The boundaries the short form kills at: all of them, or those labelled in `pick` (a fixed
 * sample, each of which must still be among the boundaries read from the history).
 */
export function shortSample(all: Boundary[], pick: 'all' | string[]): Boundary[] {
  if (pick === 'all') return all;
  return pick.map((label) => {
    const b = all.find((x) => x.label === label);
    if (!b)
      throw new Error(`short-form boundary ${label} is not among ${all.map((x) => x.label).join(', ')}`);
    return b;
  });
}

// ---------------------------------------------------------------------------------------------
// Driver faults

export const FAULT_RATE = 0.2;

/** Long operations of the local driver that can also fail after their effect (`.after`). */
const AFTER_OPS = [
  'createDisk',
  'deleteDisk',
  'resizeDisk',
  'forceDetach',
  'createSnapshot',
  'deleteSnapshot',
  'copySnapshot',
  'fenceNode',
];

/** Provider settings: every driver call faults with FAULT_RATE before its effect, long ones after it too. */
export function faultSettings(seed: number): Record<string, string> {
  return {
    LOCAL_FAULTS: [`*=${FAULT_RATE}`, ...AFTER_OPS.map((op) => `${op}.after=${FAULT_RATE}`)].join(','),
    LOCAL_FAULT_SEED: String(seed),
  };
}

/** How many seeded draws the local provider under `scopeDir` has made (drivers/local/draw-counter.ts). */
export function drawsMade(scopeDir: string): number {
  try {
    return Number.parseInt(readFileSync(join(scopeDir, 'fault-draws'), 'utf8'), 10) || 0;
  } catch {
    return 0;
  }
}

/**
 * Faults injected by draws [from, to) with `seed`: every draw is at FAULT_RATE (a call with no
 * rate draws nothing), so replaying the same seeded sequence counts them exactly.
 */
export function faultsInjected(seed: number, from: number, to: number): number {
  const replay = new FaultInjector({ faults: { '*': FAULT_RATE }, seed });
  let n = 0;
  for (let i = 0; i < to; i++) {
    try {
      replay.maybeFail('draw');
    } catch {
      if (i >= from) n++;
    }
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// What the local provider holds

export interface LocalResource {
  kind: 'disk' | 'snapshot';
  volume: string;
  name: string;
  state: string;
  operationKey: string;
  assigned: boolean;
  /** The record's directory. */
  dir: string;
  archiveFile?: string;
  sha256?: string;
}

function dirs(path: string): string[] {
  try {
    return readdirSync(path, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name);
  } catch {
    return [];
  }
}

function files(path: string): string[] {
  try {
    return readdirSync(path).filter((n) => !n.startsWith('.'));
  } catch {
    return [];
  }
}

export interface LocalScan {
  resources: LocalResource[];
  /** Idempotency key files (keys/<kind>/<digest>.json) with no record of that digest. */
  danglingKeys: string[];
  trash: string[];
}

/** Reads the records under `<root>/<workspace>/<provider>` for `app` straight from disk. */
export function scanLocalProvider(scopeDir: string, app: string): LocalScan {
  const resources: LocalResource[] = [];
  for (const kind of ['disk', 'snapshot'] as const) {
    const base = join(scopeDir, `${kind}s`, app);
    for (const volume of dirs(base))
      for (const name of dirs(join(base, volume))) {
        const dir = join(base, volume, name);
        let meta: {
          state: string;
          tags: Record<string, string>;
          keyDigest: string;
          archiveFile?: string;
          sha256?: string;
        };
        try {
          meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as typeof meta;
        } catch {
          continue; // an interrupted claim: no record yet (the driver skips it too)
        }
        resources.push({
          kind,
          volume,
          name,
          state: meta.state,
          operationKey: meta.tags[TAG.operationKey] ?? meta.keyDigest,
          assigned: meta.tags[TAG.assigned] === 'true',
          dir,
          ...(meta.archiveFile ? { archiveFile: meta.archiveFile, sha256: meta.sha256! } : {}),
        });
      }
  }
  const danglingKeys = (['disk', 'snapshot'] as const).flatMap((kind) =>
    files(join(scopeDir, 'keys', kind))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .filter((digest) => !resources.some((r) => r.kind === kind && r.operationKey === digest))
      .map((digest) => `keys/${kind}/${digest}`),
  );
  return { resources, danglingKeys, trash: files(join(scopeDir, 'trash')) };
}

/**
 * The idempotency keys an operation may create resources under, per volume, as the workflows
 * derive them (workflows/assigned-disks.ts, disk-operations.ts, snapshot-operations.ts,
 * app-failover.ts). A case whose operation derives others adds them (ChaosCase.operationKeys).
 */
export type KeyDerivation = (op: { id: string; appKey: string }, volume: string) => string;

export const OPERATION_KEYS: readonly KeyDerivation[] = [
  (op, v) => `${op.id}/${v}`,
  (op, v) => `${op.id}/${v}/restore`,
  (op, v) => `${op.id}/${v}/failover`,
  (op, v) => snapshotIdempotencyKey(op.appKey, { kind: 'onDemand', operationId: op.id }, v),
];

// ---------------------------------------------------------------------------------------------
// Cases

/** What a run leaves for the checks: where its app's disks live and what the operation made. */
export interface ChaosRun {
  appKey: string;
  appName: string;
  volumes: string[];
  /** `<LOCAL_ROOT>/<workspace>/<provider>`. */
  scopeDir: string;
  /** Volumes in which the operation makes exactly one new disk, and one new snapshot. */
  makes: { disk?: string[]; snapshot?: string[] };
  /** Submits the operation without waiting; returns its id. */
  start(): Promise<string>;
  /** After the operation ended: undoes the run's extra provider settings (faults off). */
  settle?(): Promise<void>;
  /** After settle, for a Completed operation: the case's own findings. */
  check(record: OperationRecord, made: LocalResource[]): Promise<CaseFindings>;
}

export interface CaseFindings {
  duplicates: string[];
  mismatches: string[];
}

export interface ChaosEnv {
  stack: TestStack;
  mode: ChaosMode;
}

export interface ChaosCase {
  name: string;
  kind: OperationKind;
  /**
   * Boundaries the short form kills at: all of them, or these labels. A kill inside an activity
   * costs the activity's timeout before its retry (10 s for disk calls, 30 s for Kubernetes
   * calls, 60 s for reads), so the short form picks cheap, telling ones; the long form takes all.
   */
  shortBoundaries: 'all' | string[];
  /** Fault seeds per form. */
  faultSeeds: Record<ChaosMode, number[]>;
  /** Whether a run with the Temporal server killed mid-operation is made, per form. */
  serverKill: Record<ChaosMode, boolean>;
  /** The boundary the server is killed at; the middle one when absent. */
  serverKillAt?: string;
  /** Key derivations beyond OPERATION_KEYS. */
  operationKeys?: readonly KeyDerivation[];
  /** Once per case, before any run (state the runs share). */
  setup?(env: ChaosEnv): Promise<void>;
  /** A fresh (or reset) app state for one run; `settings` join the provider's settings for it. */
  prepare(env: ChaosEnv, settings: Record<string, string>): Promise<ChaosRun>;
}

export type Injection =
  | { kind: 'none' }
  | { kind: 'worker'; at: Boundary }
  | { kind: 'server'; at: Boundary }
  | { kind: 'faults'; seed: number };

export interface RunResult {
  injection: Injection;
  /** Whether the kill happened (the boundary was reached). */
  killed: boolean;
  faults: number;
  completed: boolean;
  record: OperationRecord;
  duplicates: string[];
  orphans: string[];
  mismatches: string[];
  /** Activities of the operation that ran more than one attempt: where a kill or fault landed. */
  retried: string[];
  /** What the operation made (`disk db/d…`), for the log. */
  made: string[];
  /** Other failures of the run: the operation did not complete exactly once. */
  notes: string[];
  seconds: number;
}

/** Polls the controller until the operation ends; queries fail while a worker or the server restarts. */
async function waitForEnd(
  client: Client,
  appKey: string,
  id: string,
  timeoutMs = 600_000,
): Promise<OperationRecord> {
  const handle = client.workflow.getHandle(appControllerWorkflowId(appKey));
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const rec = await handle.query(operationQuery, id);
      if (rec && isFinal(rec.phase)) return rec;
      last = rec?.phase;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`operation ${id} of ${appKey} did not end: ${String(last)}`);
    await sleep(250);
  }
}

async function runsOfWorkflow(client: Client, workflowId: string): Promise<number> {
  let n = 0;
  for await (const _ of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) n++;
  return n;
}

const reportedBy = new WeakMap<ChaosCase, Set<string>>();

export interface ResourceFindings {
  /** Resources made by the operation under test. */
  made: LocalResource[];
  duplicates: string[];
  orphans: string[];
  mismatches: string[];
}

/** Duplicates, orphans and missing resources in a scan of the app's provider (see the top of the file). */
export function judgeResources(
  scan: LocalScan,
  opts: {
    appKey: string;
    volumes: string[];
    /** Every operation the app's controller lists. */
    operationIds: string[];
    /** The operation under test, and the volumes where it makes one disk or snapshot. */
    operationId: string;
    makes: ChaosRun['makes'];
    completed: boolean;
    keys: readonly KeyDerivation[];
  },
): ResourceFindings {
  const owner = new Map<string, string>();
  for (const id of opts.operationIds)
    for (const volume of opts.volumes)
      for (const derive of opts.keys) owner.set(keyDigest(derive({ id, appKey: opts.appKey }, volume)), id);
  const made = scan.resources.filter((r) => owner.get(r.operationKey) === opts.operationId);

  const duplicates: string[] = [];
  const mismatches: string[] = [];
  for (const kind of ['disk', 'snapshot'] as const) {
    const byKey = new Map<string, LocalResource[]>();
    for (const r of scan.resources.filter((x) => x.kind === kind))
      byKey.set(r.operationKey, [...(byKey.get(r.operationKey) ?? []), r]);
    for (const [key, rs] of byKey)
      if (rs.length > 1)
        duplicates.push(`${kind}s ${rs.map((r) => r.name).join(', ')} share operation key ${key}`);
    for (const volume of opts.makes[kind] ?? []) {
      const mine = made.filter((r) => r.kind === kind && r.volume === volume);
      if (mine.length > 1)
        duplicates.push(`${kind}s ${mine.map((r) => r.name).join(', ')} of ${volume} made by one operation`);
      if (mine.length === 0 && opts.completed) mismatches.push(`no ${kind} of ${volume} made`);
    }
  }
  for (const volume of opts.volumes) {
    const assigned = scan.resources.filter((r) => r.kind === 'disk' && r.volume === volume && r.assigned);
    if (assigned.length > 1)
      duplicates.push(`disks ${assigned.map((r) => r.name).join(', ')} all assigned to ${volume}`);
  }
  const orphans = [
    ...scan.resources
      .filter((r) => !owner.has(r.operationKey))
      .map((r) => `${r.kind} ${r.volume}/${r.name} made under no listed operation's key`),
    ...scan.resources
      .filter((r) => r.state !== 'ready')
      .map((r) => `${r.kind} ${r.volume}/${r.name} left ${r.state}`),
    ...scan.danglingKeys.map((k) => `${k} without its record`),
    ...scan.trash.map((t) => `trash/${t}`),
  ];
  return { made, duplicates, orphans, mismatches };
}

/** Runs the case's operation once with `injection` and checks what it left. */
export async function runCase(env: ChaosEnv, c: ChaosCase, injection: Injection): Promise<RunResult> {
  const began = Date.now();
  const { client } = env.stack;
  const settings = injection.kind === 'faults' ? faultSettings(injection.seed) : {};
  const run = await c.prepare(env, settings);
  const drawsBefore = drawsMade(run.scopeDir);
  const id = await run.start();
  const workflowId = operationWorkflowId(run.appKey, id);
  let killed = false;
  if (injection.kind === 'worker' || injection.kind === 'server') {
    const kill = injection.kind === 'worker' ? killAndRestartWorker : killAndRestartTemporal;
    killed = await waitForBoundary(client, workflowId, injection.at.label, async () => {
      await kill(env.stack.dir);
      // A worker that gave up while the server was away is started again (and noted below).
      if (injection.kind === 'server') workerRestarts += await ensureWorker(env.stack.dir);
    });
  }
  const record = await waitForEnd(client, run.appKey, id);
  const faults =
    injection.kind === 'faults' ? faultsInjected(injection.seed, drawsBefore, drawsMade(run.scopeDir)) : 0;
  await run.settle?.();

  const notes: string[] = [];
  if (record.kind !== c.kind) notes.push(`ran a ${record.kind}, not a ${c.kind}`);
  if (record.phase !== 'Completed')
    notes.push(`${record.phase}: ${record.failure?.reason} ${record.failure?.message}`);
  const view = await client.workflow
    .getHandle(appControllerWorkflowId(run.appKey))
    .query(controllerViewQuery);
  const same = view.recentOperations.filter((o) => o.requestId === record.requestId);
  if (same.length !== 1) notes.push(`${same.length} records for request ${record.requestId}`);
  const runs = await runsOfWorkflow(client, workflowId);
  if (runs !== 1) notes.push(`workflow ${workflowId} ran ${runs} times`);
  if ((injection.kind === 'worker' || injection.kind === 'server') && !killed)
    notes.push(`boundary ${injection.at.label} never reached: nothing was killed`);

  const judged = judgeResources(scanLocalProvider(run.scopeDir, run.appName), {
    appKey: run.appKey,
    volumes: run.volumes,
    operationIds: view.recentOperations.map((o) => o.id),
    operationId: id,
    makes: run.makes,
    completed: record.phase === 'Completed',
    keys: [...OPERATION_KEYS, ...(c.operationKeys ?? [])],
  });
  // A resource a reused app keeps is reported by the first run that finds it, not by every run after.
  const reported = reportedBy.get(c) ?? new Set<string>();
  reportedBy.set(c, reported);
  const fresh = (found: string[]): string[] => found.filter((f) => !reported.has(f) && reported.add(f));
  const duplicates = fresh(judged.duplicates);
  const orphans = fresh(judged.orphans);
  const mismatches = judged.mismatches;
  const mine = judged.made;
  const own =
    record.phase === 'Completed' ? await run.check(record, mine) : { duplicates: [], mismatches: [] };
  return {
    injection,
    killed,
    faults,
    completed: notes.length === 0,
    record,
    duplicates: [...duplicates, ...own.duplicates],
    orphans,
    mismatches: [...mismatches, ...own.mismatches],
    made: mine.map((r) => `${r.kind} ${r.volume}/${r.name}`),
    retried: Object.entries(await activityAttempts(client, workflowId))
      .filter(([, attempts]) => attempts.some((n) => n > 1))
      .map(([type, attempts]) => `${type}×${Math.max(...attempts)}`),
    notes,
    seconds: (Date.now() - began) / 1000,
  };
}

/** Worker restarts the harness had to make after a server kill (the worker exited). */
let workerRestarts = 0;
export const workerRestartsAfterServerKill = (): number => workerRestarts;

async function ensureWorker(dir: string): Promise<number> {
  // Give a worker that is about to give up the time to do so.
  await sleep(5000);
  if (devStackStatus(dir).worker.running) return 0;
  await restartWorker(dir);
  return 1;
}

// ---------------------------------------------------------------------------------------------
// Data checks

/** Differences between two relative-path → SHA-256 maps, as sentences. */
export function treeDiff(
  what: string,
  expected: Record<string, string>,
  actual: Record<string, string>,
): string[] {
  const out: string[] = [];
  for (const [path, sum] of Object.entries(expected))
    if (actual[path] !== sum) out.push(`${what}: ${path} ${actual[path] ? 'differs' : 'missing'}`);
  for (const path of Object.keys(actual)) if (!(path in expected)) out.push(`${what}: ${path} unexpected`);
  return out;
}

/** The file tree a local snapshot's archive holds (extracted into a temp dir and checksummed). */
export async function snapshotChecksums(snapshot: LocalResource): Promise<Record<string, string>> {
  if (!snapshot.archiveFile || !snapshot.sha256) throw new Error(`snapshot ${snapshot.name} has no archive`);
  const dir = mkdtempSync(join(tmpdir(), 'kompox-chaos-extract-'));
  try {
    await extractArchive(join(snapshot.dir, snapshot.archiveFile), dir, snapshot.sha256);
    return treeChecksums(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Deterministic content for a volume: a few files, one binary, in a nested directory. */
export function knownFiles(volume: string): Record<string, Buffer> {
  const bytes = (n: number, salt: string): Buffer => {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i += 32) createHash('sha256').update(`${salt}:${i}`).digest().copy(out, i);
    return out;
  };
  return {
    'README.txt': Buffer.from(`known content of volume ${volume}\n`),
    'data/base/1/16384': bytes(200_000, volume),
    'data/PG_VERSION': Buffer.from('17\n'),
  };
}

// ---------------------------------------------------------------------------------------------
// The table

const COUNTS = [
  'runs',
  'workerKills',
  'serverKills',
  'faults',
  'completed',
  'duplicates',
  'orphans',
  'mismatches',
  'seconds',
] as const;

export type ChaosRow = { name: string } & Record<(typeof COUNTS)[number], number>;

export function rowOf(name: string, results: RunResult[]): ChaosRow {
  const sum = (f: (r: RunResult) => number): number => results.reduce((n, r) => n + f(r), 0);
  return {
    name,
    runs: results.length,
    workerKills: sum((r) => (r.killed && r.injection.kind === 'worker' ? 1 : 0)),
    serverKills: sum((r) => (r.killed && r.injection.kind === 'server' ? 1 : 0)),
    faults: sum((r) => r.faults),
    completed: sum((r) => (r.completed ? 1 : 0)),
    duplicates: sum((r) => r.duplicates.length),
    orphans: sum((r) => r.orphans.length),
    mismatches: sum((r) => r.mismatches.length),
    seconds: sum((r) => r.seconds),
  };
}

export function formatTable(rows: ChaosRow[]): string {
  const total = { name: 'total', ...Object.fromEntries(COUNTS.map((k) => [k, 0])) } as ChaosRow;
  for (const r of rows) for (const k of COUNTS) total[k] += r[k];
  const header = [
    'case',
    'runs',
    'worker kills',
    'server kills',
    'faults',
    'completed',
    'duplicates',
    'orphans',
    'mismatches',
    'time',
  ];
  const cells = [...rows, total].map((r) => [
    r.name,
    ...[r.runs, r.workerKills, r.serverKills, r.faults].map(String),
    `${r.completed}/${r.runs} (${r.runs ? Math.round((100 * r.completed) / r.runs) : 0}%)`,
    ...[r.duplicates, r.orphans, r.mismatches].map(String),
    `${Math.round(r.seconds)}s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string =>
    c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...cells.slice(0, -1).map(line), rule, line(cells.at(-1)!)].join('\n');
}

/** One line per run for the log: what was injected, how it ended, what was found. */
export function describeRun(r: RunResult): string {
  const what =
    r.injection.kind === 'worker'
      ? `worker kill at ${r.injection.at.label}`
      : r.injection.kind === 'server'
        ? `server kill at ${r.injection.at.label}`
        : r.injection.kind === 'faults'
          ? `faults seed ${r.injection.seed} (${r.faults} injected)`
          : 'clean';
  const found = [...r.notes, ...r.duplicates, ...r.orphans, ...r.mismatches];
  const retried = r.retried.length ? `, retried ${r.retried.join(' ')}` : '';
  return `${what}: ${r.record.phase} in ${r.seconds.toFixed(1)}s${retried}, made ${r.made.join(', ') || 'nothing'}${found.length ? ` — ${found.join('; ')}` : ''}`;
}
