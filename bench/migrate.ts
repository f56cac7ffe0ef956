// Planned move (`app migrate --zone Z`, live) through Temporal against the same steps called as
// plain functions, in one run on one stack: the real Temporal dev server and worker, the real
// local control plane with kwok nodes in local-1a, local-1b and local-2a, and the local provider.
// Each path moves its own copy of examples/wiki (two volumes) back and forth between local-1a
// and local-1b; runs of the two paths alternate so drift hits both alike.
//
//   node_modules/.bin/node dist/bench/migrate.js [zero-latency runs per path, default 16]
//       [cloud-latency zone moves per path, default 2] [cross-region moves per path, default 1]
//
// Sixteen zero-latency runs per path: the median of eight moved by ±0.04 from one bench to the next.
//
// Setting 1: zero-latency local disks. Setting 2: the provider's LOCAL_LATENCY_MS as a cloud
// (disk create 10 s, snapshot 30 s, copy to another region 120 s), zone moves and then moves to
// region local-2 (the only setting with copies). Between the settings both apps are redeployed
// (not timed), so the controller's deployed target carries the new provider settings.
//
// Temporal time: submit `app.migrate` (update-with-start to the controller) until the
// controller's query shows it Completed (see through-temporal.ts); where that time went is read
// from the move workflow's history. Plain time: the steps of workflows/app-migrate.ts on the
// activity implementations, each in a MockActivityEnvironment, with the workflow's inputs and
// its shape: snapshots, copies, disk creates, assigns and kept tags of the volumes side by side.
// Per-step figures: the operation record's step start and end (workflow time) against the plain
// path's own clock. CPU per move: the worker's, the Temporal server's and this process's (where
// the plain path's activities run).
import { devAccess } from '../workers/worker-config';
import { Client, Connection } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import type { History } from '@temporalio/common/lib/proto-utils';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActivities } from '../activities';
import { loadDataConverter } from '../client/codec/data-converter';
import { onDemandSnapshotName, snapshotIdempotencyKey } from '../workflows/snapshot-policy/snapshot-names';
import { wikiProject, type TestProject } from '../test/helpers/deploy-project';
import { setProviderSettings } from '../test/helpers/snapshots';
import { devClusterAccess, devStackUp } from '../dev/dev-stack';
import { cleanUpBench, runBench } from './bench-run';
import { throughTemporal } from './through-temporal';
import { NAMESPACE } from '../workers/dev-stack-constants';
import { type PlainStep, plainDeployAndVerify, revisionOf, runActivity as run } from './plain-deploy';
import { cpuSeconds } from './proc-stat';
import { comparisonLines, median, seconds } from './timings';
import { destinationTarget } from '../api/migration-target';
import type { KeptResource, MigrationDestination } from '../api/migration';
import type { OperationRecord, StepRecord } from '../api/operation';

const log = (m: string) => process.stderr.write(`${m}\n`);
const PATHS = ['temporal', 'plain'] as const;
type Path = (typeof PATHS)[number];
const KEEP_SOURCE_SECONDS = 7 * 24 * 3600; // nothing is pruned while the bench runs
const CLOUD_LATENCY = { createDisk: 10_000, createSnapshot: 30_000, copySnapshot: 120_000 };
const CLOUD_LATENCY_SETTING = Object.entries(CLOUD_LATENCY)
  .map(([op, ms]) => `${op}=${ms}`)
  .join(',');

/**
 * The move's phases, in order; a step belongs to the first whose pattern matches its name.
 * Side-by-side steps (one per volume) make one phase: its span is first start to last end.
 */
const PHASES: [string, RegExp][] = [
  ['plan', /^plan$/],
  ['stop the app', /^stop the app$/],
  ['snapshot volumes', /^snapshot /],
  ['copy snapshots', /^copy /],
  ['create disks', /^create a /],
  ['assign disks', /^assign /],
  ['validate', /^validate$/],
  ['list disks (deploy)', /^list disks$/],
  ['render and apply', /^render and apply$/],
  ['wait for rollout', /^wait for rollout$/],
  ['verify zone', /^verify zone$/],
  // Side by side: the prune of the previous render and the tags of what the move keeps.
  ['prune and tag kept', /^(prune (the )?previous render$|tag )/],
  ['list disks (end)', /^list disks$/],
];

interface TimedStep {
  name: string;
  start: number;
  end: number;
}
interface Run {
  ms: number;
  /** Epoch ms of the submit (Temporal) or of the first call (plain), and of the end seen. */
  t0: number;
  t1: number;
  steps: TimedStep[];
  zone: string;
  /** Temporal only: the run's wall time by what it waited on (see waitBreakdown). */
  waits?: Map<string, number>;
  /** CPU seconds during the run: worker, Temporal server, this process. */
  cpu?: { worker: number; server: number; bench: number };
}

/** Phase spans of one run. A step goes to the first phase from the current one on that matches
 * (so the two 'list disks' steps land in their own phases). */
function phaseSpans(steps: TimedStep[]): Map<string, TimedStep> {
  const spans = new Map<string, TimedStep>();
  let at = 0;
  for (const s of steps) {
    const i = PHASES.findIndex(([, pattern], j) => j >= at && pattern.test(s.name));
    if (i < 0) throw new Error(`step "${s.name}" is in no phase after ${PHASES[at]![0]}`);
    at = i;
    const phase = PHASES[i]![0];
    const span = spans.get(phase);
    spans.set(phase, {
      name: phase,
      start: Math.min(span?.start ?? s.start, s.start),
      end: Math.max(span?.end ?? s.end, s.end),
    });
  }
  return spans;
}

/** The operation record's finished steps as timed steps, outer prune kept, inner one dropped. */
function recordSteps(record: OperationRecord): TimedStep[] {
  return record.steps
    .filter((s: StepRecord) => s.endedAt && s.name !== 'prune previous render')
    .map((s) => ({ name: s.name, start: Date.parse(s.startedAt), end: Date.parse(s.endedAt!) }))
    .sort((a, b) => a.start - b.start);
}

const WAITS = [
  'controller: submit → move workflow started',
  'workflow task queued',
  'workflow task running',
  'activity queued',
  'activity running',
  'step signal to the controller',
  'nothing in flight',
  'controller: move workflow done → seen Completed',
] as const;
/** Counted from the move workflow's history, shown after the waits. */
const COUNTS = ['workflow tasks', 'activities', 'step signals'] as const;

/**
 * The move workflow's lifetime by what it waited on, from its history (events ordered by their
 * time, as an activity's Started event is written with its completion): at each moment the
 * first that holds of a workflow task running, one queued, an activity running, one queued, a
 * step signal on its way to the controller. Before and after: the controller's share.
 */
function waitBreakdown(history: History, t0: number, t1: number): Map<string, number> {
  const events = (history.events ?? [])
    .map((e) => ({ e, at: tsToMs(e.eventTime) }))
    .sort((a, b) => a.at - b.at || Number(a.e.eventId) - Number(b.e.eventId));
  const waits = new Map<string, number>([...WAITS, ...COUNTS].map((w) => [w, 0]));
  const add = (w: (typeof WAITS)[number] | (typeof COUNTS)[number], ms: number) =>
    waits.set(w, waits.get(w)! + Math.max(0, ms));
  let wft: 'none' | 'queued' | 'running' = 'none';
  const queued = new Set<string>();
  const running = new Set<string>();
  const signals = new Set<string>();
  for (const [i, { e, at }] of events.entries()) {
    if (e.workflowTaskCompletedEventAttributes) add('workflow tasks', 1);
    if (e.activityTaskScheduledEventAttributes) add('activities', 1);
    if (e.signalExternalWorkflowExecutionInitiatedEventAttributes) add('step signals', 1);
    if (e.workflowTaskScheduledEventAttributes) wft = 'queued';
    else if (e.workflowTaskStartedEventAttributes) wft = 'running';
    else if (
      e.workflowTaskCompletedEventAttributes ||
      e.workflowTaskFailedEventAttributes ||
      e.workflowTaskTimedOutEventAttributes
    )
      wft = 'none';
    else if (e.activityTaskScheduledEventAttributes) queued.add(String(e.eventId));
    else if (e.activityTaskStartedEventAttributes) {
      const id = String(e.activityTaskStartedEventAttributes.scheduledEventId);
      queued.delete(id);
      running.add(id);
    } else {
      const ended =
        e.activityTaskCompletedEventAttributes ??
        e.activityTaskFailedEventAttributes ??
        e.activityTaskTimedOutEventAttributes ??
        e.activityTaskCanceledEventAttributes;
      if (ended) {
        running.delete(String(ended.scheduledEventId));
        queued.delete(String(ended.scheduledEventId));
      }
    }
    if (e.signalExternalWorkflowExecutionInitiatedEventAttributes) signals.add(String(e.eventId));
    const signalled =
      e.externalWorkflowExecutionSignaledEventAttributes ??
      e.signalExternalWorkflowExecutionFailedEventAttributes;
    if (signalled) signals.delete(String(signalled.initiatedEventId));
    const next = events[i + 1]?.at;
    if (next === undefined) break;
    add(
      wft === 'running'
        ? 'workflow task running'
        : wft === 'queued'
          ? 'workflow task queued'
          : running.size
            ? 'activity running'
            : queued.size
              ? 'activity queued'
              : signals.size
                ? 'step signal to the controller'
                : 'nothing in flight',
      next - at,
    );
  }
  add('controller: submit → move workflow started', (events[0]?.at ?? t0) - t0);
  add('controller: move workflow done → seen Completed', t1 - (events.at(-1)?.at ?? t1));
  return waits;
}

async function main(): Promise<void> {
  const benchStart = performance.now();
  const zeroRuns = Number(process.argv[2] ?? 16);
  const latencyRuns = Number(process.argv[3] ?? 2);
  const crossRuns = Number(process.argv[4] ?? 1);
  if (!Number.isInteger(zeroRuns) || zeroRuns < 2)
    throw new Error('zero-latency runs per path: a whole number >= 2');
  if (!Number.isInteger(latencyRuns) || latencyRuns < 0)
    throw new Error('cloud-latency runs per path: a whole number >= 0');
  if (!Number.isInteger(crossRuns) || crossRuns < 0)
    throw new Error('cross-region runs per path: a whole number >= 0');
  const dir = mkdtempSync(join(tmpdir(), 'kompox-bench-'));
  const projects: Record<Path, TestProject> = {
    temporal: wikiProject('migtemporal'),
    plain: wikiProject('migplain'),
  };
  let connection: Connection | undefined;
  try {
    log(`starting the dev stack with the control plane (zones local-1a, local-1b, local-2a) in ${dir}`);
    const status = await devStackUp(dir, { cluster: true, zones: ['local-1a', 'local-1b', 'local-2a'] });
    if (!status.temporalAddress || !status.kubeconfig || !status.worker.pid || !status.temporal.pid)
      throw new Error('the dev stack did not come up whole');
    const pids = { worker: status.worker.pid, server: status.temporal.pid };
    connection = await Connection.connect({ address: status.temporalAddress });
    // The same codec as the CLI: encryption is part of the Temporal path's cost.
    const client = new Client({
      connection,
      namespace: NAMESPACE,
      dataConverter: loadDataConverter({ devDir: dir }),
    });

    // Both apps deployed on bootstrapped disks in local-1a through their controllers (not timed):
    // a move starts from the controller's deployed target. Again after the settings change.
    const deployBoth = async () => {
      for (const path of PATHS)
        await throughTemporal(client, {
          kind: 'app.deploy',
          bootstrapDisks: true,
          ...revisionOf(projects[path]),
        });
    };
    await deployBoth();

    const acts = createActivities({
      stateDir: dir,
      access: devAccess('the benchmark'),
      devCluster: devClusterAccess(dir),
    });

    /** workflows/app-migrate.ts, live, without the undo bookkeeping, as plain calls. */
    const plainMigrate = async (to: MigrationDestination): Promise<Omit<Run, 'ms'>> => {
      const { target: source, revision } = revisionOf(projects.plain);
      const operationId = `bench-plain-${randomUUID()}`;
      const snapshotName = onDemandSnapshotName(operationId);
      const steps: TimedStep[] = [];
      const step: PlainStep = async (name, fn) => {
        const start = Date.now();
        const result = await fn();
        steps.push({ name, start, end: Date.now() });
        return result;
      };
      const t0 = Date.now();
      const plan = await step('plan', () =>
        run(acts.planMigration, {
          source,
          to,
          from: 'live',
          keepSourceSeconds: KEEP_SOURCE_SECONDS,
          snapshotName,
        }),
      );
      const dest = destinationTarget(source, to);
      await step('stop the app', () => run(acts.scaleApp, { target: source, replicas: 0 }));
      await Promise.all(
        plan.volumes.map((v) =>
          step(`snapshot ${v.volume}`, () =>
            run(acts.createSnapshot, {
              target: source,
              volume: v.volume,
              name: snapshotName,
              idempotencyKey: snapshotIdempotencyKey(
                source.appId,
                { kind: 'onDemand', operationId },
                v.volume,
              ),
            }),
          ),
        ),
      );
      const from: Record<string, string> = {};
      const copies: KeptResource[] = [];
      const keep = (
        kind: KeptResource['kind'],
        volume: string,
        name: string,
        region: string,
      ): KeptResource => ({
        kind,
        volume,
        name,
        region,
        migrationId: operationId,
        keepUntil: plan.keepUntil,
      });
      await Promise.all(
        plan.volumes.map(async (v) => {
          from[v.volume] = v.snapshot.name;
          if (!v.copyTo) return;
          const copy = await step(`copy ${v.volume}`, () =>
            run(acts.copySnapshot, {
              target: source,
              volume: v.volume,
              name: v.snapshot.name,
              region: v.copyTo!,
              idempotencyKey: `${operationId}/${v.volume}/copy`,
            }),
          );
          from[v.volume] = copy.name;
          copies.push(keep('snapshot', v.volume, copy.name, v.copyTo));
        }),
      );
      const created: Record<string, string> = {};
      await Promise.all(
        plan.volumes.map(async (v) => {
          const disk = await step(`create a ${v.volume} disk`, () =>
            run(acts.createDisk, {
              target: dest,
              volume: v.volume,
              source: `snapshot:${from[v.volume]}`,
              zone: plan.to.zone,
              idempotencyKey: `${operationId}/${v.volume}/migrate`,
            }),
          );
          created[v.volume] = disk.name;
        }),
      );
      await Promise.all(
        plan.volumes.map((v) =>
          step(`assign ${created[v.volume]}`, () =>
            run(acts.assignDisk, { target: dest, volume: v.volume, name: created[v.volume]! }),
          ),
        ),
      );
      // deployAndVerify of workflows/app-deploy.ts; then its prune beside the kept tags.
      const placed = await plainDeployAndVerify(acts, { target: dest, revision }, step);
      const where = (p: { cluster: string; region: string; zone: string }) =>
        `${p.cluster}/${p.region}/${p.zone}`;
      await Promise.all([
        placed.prune(),
        ...[...plan.volumes.map((v) => keep('disk', v.volume, v.disk, plan.from.region)), ...copies].map(
          (k) =>
            step(`tag ${k.kind} ${k.name}`, () =>
              run(acts.tagKept, {
                target: source,
                kept: k,
                source: where(plan.from),
                destination: where(plan.to),
              }),
            ),
        ),
      ]);
      await step('list disks', () => run(acts.listDisks, { target: dest }));
      return { t0, t1: Date.now(), steps: steps.sort((a, b) => a.start - b.start), zone: placed.zone };
    };

    const temporalMigrate = async (to: MigrationDestination): Promise<Omit<Run, 'ms'>> => {
      const t0 = Date.now();
      const done = await throughTemporal(client, {
        kind: 'app.migrate',
        appKey: projects.temporal.appKey,
        to,
        from: 'live',
        keepSourceSeconds: KEEP_SOURCE_SECONDS,
        preempt: false,
      });
      const t1 = Date.now();
      const history = await client.workflow.getHandle(done.workflowId!).fetchHistory();
      return {
        t0,
        t1,
        steps: recordSteps(done),
        zone:
          String(done.figures?.to ?? '')
            .split('/')
            .pop() ?? '',
        waits: waitBreakdown(history, t0, t1),
      };
    };

    /** `count` runs per path, alternating, moving each app to `destinations[i % length]`. */
    const measure = async (
      label: string,
      count: number,
      destinations: { to: MigrationDestination; zone: string }[],
    ) => {
      const runs: Record<Path, Run[]> = { temporal: [], plain: [] };
      for (let i = 0; i < count; i++) {
        const { to, zone } = destinations[i % destinations.length]!;
        for (const path of PATHS) {
          const cpu0 = {
            worker: cpuSeconds(pids.worker),
            server: cpuSeconds(pids.server),
            bench: process.cpuUsage(),
          };
          const started = performance.now();
          const r = path === 'temporal' ? await temporalMigrate(to) : await plainMigrate(to);
          const ms = performance.now() - started;
          const benchCpu = process.cpuUsage(cpu0.bench);
          const cpu = {
            worker: cpuSeconds(pids.worker) - cpu0.worker,
            server: cpuSeconds(pids.server) - cpu0.server,
            bench: (benchCpu.user + benchCpu.system) / 1e6,
          };
          if (r.zone !== zone) throw new Error(`${path} move ${i + 1} landed in zone ${r.zone}, not ${zone}`);
          runs[path].push({ ...r, ms, cpu });
          log(`${label} run ${i + 1}/${count} ${path.padEnd(8)} → ${zone} ${(ms / 1000).toFixed(2)} s`);
        }
      }
      return runs;
    };

    const between1a1b = [
      { to: { zone: 'local-1b' }, zone: 'local-1b' },
      { to: { zone: 'local-1a' }, zone: 'local-1a' },
    ];
    const zero = await measure('zero latency', zeroRuns, between1a1b);
    // An odd number of runs leaves the apps in local-1b: the latency runs start from there.
    const fromZone = zeroRuns % 2 ? 1 : 0;
    const zoneMoves = [between1a1b[fromZone]!, between1a1b[1 - fromZone]!];

    let slow: Record<Path, Run[]> | undefined;
    let cross: Record<Path, Run[]> | undefined;
    if (latencyRuns) {
      log(`setting LOCAL_LATENCY_MS=${CLOUD_LATENCY_SETTING} and redeploying both apps (not timed)`);
      for (const path of PATHS)
        setProviderSettings(projects[path], { LOCAL_LATENCY_MS: CLOUD_LATENCY_SETTING });
      await deployBoth();
      slow = await measure('cloud latency', latencyRuns, zoneMoves);
    }
    if (latencyRuns && crossRuns)
      cross = await measure('cloud latency, cross-region', crossRuns, [
        { to: { region: 'local-2' }, zone: 'local-2a' },
        { to: { region: 'local-1' }, zone: 'local-1a' },
      ]);
    // The latency must have applied: a snapshot phase shorter than the snapshot latency is not this setting.
    for (const path of slow ? PATHS : []) {
      const snap = phaseSpans(slow![path][0]!.steps).get('snapshot volumes');
      if (!snap || snap.end - snap.start < CLOUD_LATENCY.createSnapshot)
        throw new Error(
          `${path}: the snapshot phase took ${snap ? snap.end - snap.start : '?'} ms, under LOCAL_LATENCY_MS`,
        );
    }

    const lines: string[] = [];
    const report = (title: string, runs: Record<Path, Run[]>, goal: number) => {
      lines.push(
        '',
        title,
        `${runs.temporal.length} moves per path`,
        ...comparisonLines(
          runs.temporal.map((r) => r.ms),
          runs.plain.map((r) => r.ms),
          goal,
        ),
        `median per phase (Temporal: the record's step times, workflow clock; "between" is time in no step)`,
        `${'  phase'.padEnd(26)}${'Temporal'.padStart(9)}${'plain'.padStart(9)}${'diff'.padStart(9)}`,
      );
      const perPhase = (path: Path, phase: string) =>
        median(
          runs[path].map((r) => {
            const s = phaseSpans(r.steps).get(phase);
            return s ? s.end - s.start : 0;
          }),
        );
      for (const [phase] of PHASES) {
        if (!runs.temporal.some((r) => phaseSpans(r.steps).has(phase))) continue;
        const [tm, pm] = [perPhase('temporal', phase), perPhase('plain', phase)];
        lines.push(`${`  ${phase}`.padEnd(26)}${seconds(tm)}${seconds(pm)}${seconds(tm - pm)}`);
      }
      // Time outside the phases: before the first, between them, after the last.
      const outside = (path: Path, which: 'before' | 'between' | 'after') =>
        median(
          runs[path].map((r) => {
            const spans = [...phaseSpans(r.steps).values()];
            if (which === 'before') return spans[0]!.start - r.t0;
            if (which === 'after') return r.t1 - spans.at(-1)!.end;
            let gaps = 0;
            for (let i = 1; i < spans.length; i++) gaps += Math.max(0, spans[i]!.start - spans[i - 1]!.end);
            return gaps;
          }),
        );
      for (const [which, label] of [
        ['before', 'submit → first step'],
        ['between', 'between phases'],
        ['after', 'last step → seen done'],
      ] as const) {
        const [tm, pm] = [outside('temporal', which), outside('plain', which)];
        lines.push(`${`  ${label}`.padEnd(26)}${seconds(tm)}${seconds(pm)}${seconds(tm - pm)}`);
      }
      const plainActivities = median(
        runs.plain.map((r) => [...phaseSpans(r.steps).values()].reduce((a, s) => a + s.end - s.start, 0)),
      );
      lines.push(`Temporal path by what it waited on (median; from the move workflow's history)`);
      for (const w of WAITS)
        lines.push(`${`  ${w}`.padEnd(50)}${seconds(median(runs.temporal.map((r) => r.waits!.get(w)!)))}`);
      lines.push(
        `${'  (plain path: the same activities, all of its time)'.padEnd(50)}${seconds(plainActivities)}`,
      );
      lines.push(
        `  per move: ${COUNTS.map((c) => `${median(runs.temporal.map((r) => r.waits!.get(c)!))} ${c}`).join(', ')}`,
      );
      const cpu = (path: Path, of: 'worker' | 'server' | 'bench') =>
        median(runs[path].map((r) => r.cpu![of])).toFixed(2);
      lines.push(
        `CPU s per move (median): Temporal path worker ${cpu('temporal', 'worker')}, server ${cpu('temporal', 'server')}, ` +
          `bench ${cpu('temporal', 'bench')}; plain path bench ${cpu('plain', 'bench')}, worker ${cpu('plain', 'worker')}, ` +
          `server ${cpu('plain', 'server')}`,
      );
    };
    report('1. zone move of examples/wiki (2 volumes), zero-latency local disks', zero, 1.3);
    if (slow)
      report(
        `2. zone move, cloud latency LOCAL_LATENCY_MS=${CLOUD_LATENCY_SETTING} (no copy: same region)`,
        slow,
        1.05,
      );
    if (cross) report(`2b. move to region local-2 (snapshots copied), same latency`, cross, 1.05);
    lines.push(
      '',
      `bench wall time ${((performance.now() - benchStart) / 1000).toFixed(0)} s (stack start and setup included)`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await cleanUpBench(dir, Object.values(projects), connection);
  }
}

runBench(main);
