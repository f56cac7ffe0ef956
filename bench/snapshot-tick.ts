// Benchmark: one snapshot-schedule tick for N apps (default 200, one volume each, zero-latency
// local provider) on one worker of a dedicated dev stack, next to the same N snapshots taken by
// a plain loop over the local driver without Temporal.
//
//   node_modules/.bin/node dist/bench/snapshot-tick.js [apps] [dev|postgres]
//
// The second argument picks the Temporal server: the dev server (default) or the server on
// PostgreSQL, as production runs it (its CPU then counts PostgreSQL's too).
//
// Setup (not timed): a dev stack in a temp dir, N apps each with a bootstrapped disk (through
// their controllers, so the controllers exist as in steady state) and a Temporal Schedule
// (cron `0 0 1 1 *`, so it never fires by itself during the run).
// Timed, Temporal: trigger all N Schedules at once → N scheduledSnapshotWorkflow runs → N
// snapshot.create operations through N controllers → N snapshots. Reported: until the last
// snapshot was ready (from the provider's records) and until the last scheduled run completed.
// Timed, operations: N snapshot.create operations submitted straight to the N controllers (no
// scheduled workflow in between), until every snapshot is ready.
// Timed, plain: a loop of beginCreateSnapshot + poll on the local driver for the same N apps.
// Timed, Temporal alone: N more Schedules like the apps' ones, whose runs go to a task queue no
// worker polls, triggered at once until every run has started. This is what Temporal's
// Schedules cost before any Kompox code runs: the part of the Schedule path's overhead over
// the direct operations that no change to Kompox can remove.
// Peak RSS: VmHWM of the worker process, reset after setup (clear_refs 5) so it is the tick's.
import { devAccess } from '../workers/worker-config';
import { type Client, ScheduleOverlapPolicy } from '@temporalio/client';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, Client as TemporalClient } from '@temporalio/client';
import { loadDataConverter } from '../client/codec/data-converter';
import { applySnapshotSchedule, snapshotScheduleId } from '../client/snapshot-schedule';
import { submitOperation, watchOperation } from '../client/submit-operation';
import { driverFor } from '../activities/driver-for-target';
import { waitForOperation } from '../drivers/long-operation';
import { type TemporalServerKind, devStackDown, devStackUp } from '../dev/dev-stack';
import { NAMESPACE } from '../workers/dev-stack-constants';
import type { AppTarget } from '../api/app-target';
import type { OperationRecord } from '../api/operation';
import { SCHEDULED_SNAPSHOT_WORKFLOW } from '../api/ids';
import { APP_KEY } from '../api/search-attributes';
import type { ScheduledSnapshotInput } from '../workflows/scheduled-snapshot';
import { localAppTarget } from '../test/helpers/app-target';
import { cpuSeconds, treeCpuSeconds } from './proc-stat';

const APPS = Number(process.argv[2] ?? 200);
const SERVER = serverKind(process.argv[3] ?? 'dev');
/** A task queue no worker polls: the floor phase's runs start and go no further. */
const UNPOLLED_TASK_QUEUE = 'kompox-bench-unpolled';
const SETUP_CONCURRENCY = 20;

function serverKind(arg: string): TemporalServerKind {
  if (arg !== 'dev' && arg !== 'postgres') throw new Error(`server "${arg}": use dev or postgres`);
  return arg;
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

function procStatus(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m?.[1]) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function completedRuns(client: Client): Promise<number> {
  const r = await client.workflow.count(
    `WorkflowType = 'scheduledSnapshotWorkflow' AND ExecutionStatus = 'Completed'`,
  );
  return r.count;
}

/** Where a tick's time goes: median and last, after the trigger, of each stage of the runs. */
async function tickTimeline(client: Client, t0: number): Promise<[string, string][]> {
  const started: number[] = [];
  const requested: number[] = [];
  const opStarted: number[] = [];
  const opEnded: number[] = [];
  const closed: number[] = [];
  const since = new Date(t0 - 1000).toISOString();
  for await (const wf of client.workflow.list({
    query: `WorkflowType = 'scheduledSnapshotWorkflow' AND StartTime >= '${since}'`,
  })) {
    started.push(wf.startTime.getTime() - t0);
    if (wf.closeTime) closed.push(wf.closeTime.getTime() - t0);
    const record = (await client.workflow.getHandle(wf.workflowId, wf.runId).result()) as OperationRecord;
    requested.push(Date.parse(record.requestedAt) - t0);
    if (record.startedAt) opStarted.push(Date.parse(record.startedAt) - t0);
    if (record.endedAt) opEnded.push(Date.parse(record.endedAt) - t0);
  }
  const q = (xs: number[]): string => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length
      ? `first ${secs(s[0]!)}, median ${secs(s[Math.floor(s.length / 2)]!)}, last ${secs(s[s.length - 1]!)}`
      : 'none';
  };
  return [
    ['scheduled runs started', q(started)],
    ['operations requested (controller)', q(requested)],
    ['operations started', q(opStarted)],
    ['operations ended', q(opEnded)],
    ['scheduled runs closed', q(closed)],
  ];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kompox-bench-'));
  const localRoot = mkdtempSync(join(tmpdir(), 'kompox-bench-local-'));
  let connection: Connection | undefined;
  try {
    const status = await devStackUp(dir, { server: SERVER });
    if (!status.temporalAddress) throw new Error('the dev stack reports no Temporal address');
    connection = await Connection.connect({ address: status.temporalAddress });
    // The same codec as the CLI: encryption is part of the Temporal path's cost.
    const client = new TemporalClient({
      connection,
      namespace: NAMESPACE,
      dataConverter: loadDataConverter({ devDir: dir }),
    });
    const workerPid = Number(readFileSync(join(dir, 'worker.pid'), 'utf8'));
    const temporalPid = Number(readFileSync(join(dir, 'temporal.pid'), 'utf8'));
    const postgresPid = SERVER === 'postgres' ? Number(readFileSync(join(dir, 'postgres.pid'), 'utf8')) : 0;
    const serverCpuSeconds = () => cpuSeconds(temporalPid) + (postgresPid ? treeCpuSeconds(postgresPid) : 0);

    const targets: AppTarget[] = Array.from({ length: APPS }, (_, i) =>
      localAppTarget({
        app: `bench${i}`,
        localRoot,
        snapshots: {
          schedule: { kind: 'cron', expression: '0 0 1 1 *' },
          timeZone: 'UTC',
          consistency: 'crash',
        },
      }),
    );
    const setupStart = Date.now();
    await inBatches(targets, SETUP_CONCURRENCY, async (target) => {
      const op = await submitOperation(client, { kind: 'disk.bootstrap', target });
      const done = await watchOperation(client, target.appKey, op.id, { pollMs: 200 });
      if (done.phase !== 'Completed') throw new Error(`bootstrap ${target.appName}: ${done.phase}`);
      await applySnapshotSchedule(client, target);
    });
    console.log(`setup: ${APPS} apps with a disk and a Schedule in ${secs(Date.now() - setupStart)}`);
    const hwmSinceStart = procStatus(workerPid, 'VmHWM');
    const rssBefore = procStatus(workerPid, 'VmRSS');
    writeFileSync(`/proc/${workerPid}/clear_refs`, '5'); // reset VmHWM to the current RSS
    const runsBefore = await completedRuns(client);

    // Temporal, as a schedule tick: trigger every Schedule, wait for every scheduled run.
    const cpu0 = cpuSeconds(workerPid);
    const serverCpu0 = serverCpuSeconds();
    const t0 = Date.now();
    await Promise.all(targets.map((t) => client.schedule.getHandle(snapshotScheduleId(t.appKey)).trigger()));
    const triggered = Date.now() - t0;
    for (;;) {
      if ((await completedRuns(client)) - runsBefore >= APPS) break;
      if (Date.now() - t0 > 15 * 60_000) throw new Error('scheduled runs not done after 15 minutes');
      await sleep(250);
    }
    const allRunsDone = Date.now() - t0;
    const tickCpu = cpuSeconds(workerPid) - cpu0;
    const tickServerCpu = serverCpuSeconds() - serverCpu0;
    const tickHwm = procStatus(workerPid, 'VmHWM');
    const timeline = await tickTimeline(client, t0);

    const driver = await driverFor({ stateDir: dir, access: devAccess('the benchmark') }, targets[0]!);
    const lastReadyAfter = async (since: number, count: number): Promise<number | undefined> => {
      let last = 0;
      for (const t of targets) {
        const ready = (await driver.listSnapshots({ app: t.appName, volume: 'db' })).filter(
          (s) => s.ready && Date.parse(s.createdAt) >= since,
        );
        if (ready.length < count) return undefined;
        last = Math.max(last, ...ready.map((s) => Date.parse(s.updatedAt)));
      }
      return last - since;
    };
    const temporalMs = await lastReadyAfter(t0, 1);
    if (temporalMs === undefined) throw new Error('a scheduled run completed without a ready snapshot');

    // Temporal, without the schedule wrapper: N snapshot.create operations submitted straight to
    // the controllers, done when the provider shows every snapshot ready (polled once a second).
    writeFileSync(`/proc/${workerPid}/clear_refs`, '5');
    const cpu1 = cpuSeconds(workerPid);
    const serverCpu1 = serverCpuSeconds();
    const o0 = Date.now();
    await inBatches(targets, SETUP_CONCURRENCY, async (target) => {
      await submitOperation(client, { kind: 'snapshot.create', target });
    });
    const submitted = Date.now() - o0;
    let opsMs: number | undefined;
    while ((opsMs = await lastReadyAfter(o0, 1)) === undefined) {
      if (Date.now() - o0 > 15 * 60_000) throw new Error('operations not done after 15 minutes');
      await sleep(1000);
    }
    const opsCpu = cpuSeconds(workerPid) - cpu1;
    const opsServerCpu = serverCpuSeconds() - serverCpu1;
    const opsHwm = procStatus(workerPid, 'VmHWM');

    // Plain loop: the same snapshots straight through the driver, one after another.
    const p0 = Date.now();
    for (const t of targets) {
      const op = await driver.beginCreateSnapshot({
        app: t.appName,
        volume: 'db',
        name: 'plain',
        idempotencyKey: `${t.appKey}/bench-plain/db/snapshot`,
      });
      const snap = await waitForOperation(driver, op, { intervalMs: 10, maxIntervalMs: 100 });
      if (!snap.ready) throw new Error(`${t.appName}: plain snapshot not ready`);
    }
    const plainMs = Date.now() - p0;

    // Temporal alone: Schedules shaped like the apps' ones, whose runs no worker picks up.
    const floorIds = targets.map((t) => `kompox-bench-floor:${t.appKey}`);
    await inBatches(
      targets.map((t, i) => ({ t, id: floorIds[i]! })),
      SETUP_CONCURRENCY,
      async ({ t, id }) => {
        await client.schedule.create({
          scheduleId: id,
          spec: { cronExpressions: ['0 0 1 1 *'] },
          action: {
            type: 'startWorkflow',
            workflowType: SCHEDULED_SNAPSHOT_WORKFLOW,
            taskQueue: UNPOLLED_TASK_QUEUE,
            args: [{ appKey: t.appKey }] as [ScheduledSnapshotInput],
            typedSearchAttributes: [{ key: APP_KEY, value: t.appKey }],
          },
          policies: { overlap: ScheduleOverlapPolicy.SKIP },
        });
      },
    );
    const floorServerCpu0 = serverCpuSeconds();
    const f0 = Date.now();
    await Promise.all(floorIds.map((id) => client.schedule.getHandle(id).trigger()));
    // Polled seldom so the polling adds little CPU; the runs' own start times give the figure.
    const floorQuery = `TaskQueue = '${UNPOLLED_TASK_QUEUE}'`;
    for (;;) {
      await sleep(1000);
      const { count } = await client.workflow.count(floorQuery);
      if (count >= APPS) break;
      if (Date.now() - f0 > 5 * 60_000)
        throw new Error(`only ${count} of ${APPS} runs started after 5 minutes`);
    }
    let floorMs = 0;
    for await (const wf of client.workflow.list({ query: floorQuery }))
      floorMs = Math.max(floorMs, wf.startTime.getTime() - f0);
    const floorServerCpu = serverCpuSeconds() - floorServerCpu0;

    const row = (label: string, value: string) => console.log(`${label.padEnd(50)}${value}`);
    row('apps (one volume, one disk each)', String(APPS));
    console.log(
      `A. schedule tick: trigger ${APPS} Schedules → scheduled runs → controllers → snapshot.create`,
    );
    row('  triggers accepted after', secs(triggered));
    row('  last snapshot ready after', secs(temporalMs));
    row('  last scheduled run completed after', secs(allRunsDone));
    row('  worker CPU used', `${tickCpu.toFixed(1)} s`);
    row('  Temporal server CPU used', `${tickServerCpu.toFixed(1)} s`);
    row('  worker peak RSS (VmHWM)', mib(tickHwm));
    for (const [label, ms] of timeline) row(`  ${label}`, ms);
    console.log(`B. ${APPS} snapshot.create operations submitted straight to the controllers`);
    row('  all submitted after', secs(submitted));
    row('  last snapshot ready after', secs(opsMs));
    row('  worker CPU used', `${opsCpu.toFixed(1)} s`);
    row('  Temporal server CPU used', `${opsServerCpu.toFixed(1)} s`);
    row('  worker peak RSS (VmHWM)', mib(opsHwm));
    row('C. plain loop over the local driver', secs(plainMs));
    console.log(`D. Temporal alone: ${APPS} Schedules triggered whose runs no worker picks up`);
    row('  every run started after', secs(floorMs));
    row('  Temporal server CPU used', `${floorServerCpu.toFixed(1)} s`);
    row('ratio A / C (schedule tick / plain)', `${(temporalMs / plainMs).toFixed(1)}x`);
    row('ratio B / C (operations / plain)', `${(opsMs / plainMs).toFixed(1)}x`);
    const scheduleOverDirect = temporalMs / opsMs;
    row(
      'ratio A / B (Schedule path / direct operations)',
      `${scheduleOverDirect.toFixed(2)}x (goal <= 1.3, ${scheduleOverDirect <= 1.3 ? 'met' : 'NOT met'})`,
    );
    // The goal leaves 0.3 of B for all the Schedule path adds; D is what Temporal itself takes of it.
    row(
      "ratio D / B (Temporal's Schedules alone / direct)",
      `${(floorMs / opsMs).toFixed(2)}x (of the 0.30x the goal leaves for the Schedule path's extra)`,
    );
    row('CPU D / B (server / worker + server)', `${(floorServerCpu / (opsCpu + opsServerCpu)).toFixed(2)}x`);
    row('worker RSS before the tick', mib(rssBefore));
    row('worker peak RSS since start (setup)', mib(hwmSinceStart));
    row('load average (1 min) at the end', readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!);
  } finally {
    await connection?.close();
    await devStackDown(dir).catch((err: unknown) => console.error(`dev stack down: ${String(err)}`));
    rmSync(dir, { recursive: true, force: true });
    rmSync(localRoot, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
