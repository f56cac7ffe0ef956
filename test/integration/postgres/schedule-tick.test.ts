// A snapshot schedule on the Temporal server on PostgreSQL: Temporal's own scheduler (the
// server's worker service) ticks, and Kompox snapshots the app at each nominal time. The server
// is SIGKILLed while a scheduled snapshot is in progress and started again on the same database:
// that snapshot completes exactly once, the schedule keeps ticking, and every volume holds
// exactly one snapshot per scheduled run (none made twice, none lost).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { applySnapshotSchedule, snapshotScheduleId } from '../../../client/snapshot-schedule';
import { operationWorkflowId } from '../../../api/ids';
import { type OperationRecord, isFinal } from '../../../api/operation';
import { devStackStatus, restartWorker } from '../../../dev/dev-stack';
import { localAppTarget } from '../../helpers/app-target';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import {
  controllerView,
  driverOf,
  expectedScheduledName,
  runOperation,
  waitControllerIdle,
} from '../../helpers/snapshots';
import { killAndRestartTemporal } from '../../helpers/worker-kill';

const EVERY_MS = 4000;
const VOLUMES = ['db', 'files'];

/** Scheduled snapshot operations of the app: running, queued and ended (none while it does not answer). */
async function scheduledOps(client: Client, appKey: string): Promise<OperationRecord[]> {
  const view = await controllerView(client, appKey).catch(() => undefined);
  if (!view) return [];
  const all = [
    ...(view.currentOperation ? [view.currentOperation] : []),
    ...view.queued,
    ...view.recentOperations,
  ];
  const byId = new Map(all.map((op) => [op.id, op]));
  return [...byId.values()].filter((op) => op.kind === 'snapshot.create' && op.requester.via === 'schedule');
}

/** The nominal time a scheduled run snapshots for (in its summary). */
function nominalTime(op: OperationRecord): string {
  const m = /scheduled=(\S+)/.exec(op.summary);
  assert.ok(m?.[1], `${op.id} names no scheduled time: ${op.summary}`);
  return m[1];
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    assert.ok(Date.now() < deadline, `${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

async function workflowRuns(client: Client, workflowId: string): Promise<number> {
  let n = 0;
  for await (const _ of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) n++;
  return n;
}

void describe('Temporal server on PostgreSQL: a schedule tick survives a server SIGKILL', () => {
  let stack: TestStack;
  const cleanup: string[] = [];
  before(async () => {
    stack = await startTestStack({ server: 'postgres' });
  });
  after(async () => {
    await stack?.stop();
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  });

  void it('every 4s: the run in flight at the kill completes once, later ticks follow, one snapshot per run', async (t) => {
    const target = localAppTarget({
      volumes: VOLUMES,
      // Each snapshot stays in progress 1.5 s at the provider: long enough to kill the server inside one.
      settings: { LOCAL_LATENCY_MS: 'createSnapshot=1500' },
      snapshots: {
        schedule: { kind: 'interval', everyMs: EVERY_MS, text: '4s' },
        timeZone: 'UTC',
        consistency: 'crash',
      },
    });
    cleanup.push(target.provider.settings.LOCAL_ROOT!);
    const boot = await runOperation(stack.client, { kind: 'disk.bootstrap', target });
    assert.equal(boot.phase, 'Completed', JSON.stringify(boot.failure));
    assert.equal((await applySnapshotSchedule(stack.client, target)).result, 'created');

    // The scheduler ticks on this server: a first run completes.
    await until('a first scheduled snapshot', 60_000, async () =>
      (await scheduledOps(stack.client, target.appKey)).some((op) => op.phase === 'Completed')
        ? true
        : undefined,
    );
    // The next run, caught while it is in progress.
    const inFlight = await until('a scheduled snapshot in progress', 60_000, async () =>
      (await scheduledOps(stack.client, target.appKey)).find((op) => !isFinal(op.phase)),
    );
    const killStarted = Date.now();
    await killAndRestartTemporal(stack.dir);
    t.diagnostic(`killed the server during the run for ${nominalTime(inFlight)} (${inFlight.phase})`);
    // A worker that gave up while the server was away is started again.
    await sleep(3000);
    if (!devStackStatus(stack.dir).worker.running) {
      t.diagnostic('the worker exited while the server was away; started again');
      await restartWorker(stack.dir);
    }
    const killedAt = Date.now();

    const done = await until('the run in flight at the kill to end', 120_000, async () =>
      (await scheduledOps(stack.client, target.appKey)).find(
        (op) => op.id === inFlight.id && isFinal(op.phase),
      ),
    );
    assert.equal(done.phase, 'Completed', JSON.stringify(done.failure));
    // It was in flight when the server died: it ended after.
    assert.ok(
      Date.parse(done.endedAt!) > killStarted,
      `${done.id} ended at ${done.endedAt}, before the kill`,
    );
    assert.equal(await workflowRuns(stack.client, operationWorkflowId(target.appKey, inFlight.id)), 1);
    // Later ticks: two more runs started after the restart complete.
    await until('two scheduled snapshots after the restart', 90_000, async () => {
      const later = (await scheduledOps(stack.client, target.appKey)).filter(
        (op) => op.phase === 'Completed' && Date.parse(op.requestedAt) > killedAt,
      );
      return later.length >= 2 ? true : undefined;
    });

    const { snapshots: _drop, ...unscheduled } = target;
    assert.equal((await applySnapshotSchedule(stack.client, unscheduled)).result, 'deleted');
    // Settled: no scheduled run of this app still going, and the controller idle.
    await until('the scheduled runs to end', 60_000, async () => {
      for await (const wf of stack.client.workflow.list({
        query: `WorkflowType = 'scheduledSnapshotWorkflow' AND ExecutionStatus = 'Running'`,
      }))
        if (wf.workflowId.includes(snapshotScheduleId(target.appKey))) return undefined;
      return true;
    });
    await waitControllerIdle(stack.client, target.appKey);

    const runs = await scheduledOps(stack.client, target.appKey);
    t.diagnostic(
      `${runs.length} scheduled runs: ${runs.map((r) => `${nominalTime(r)} ${r.phase}`).join(', ')}`,
    );
    for (const op of runs) assert.equal(op.phase, 'Completed', `${op.id}: ${JSON.stringify(op.failure)}`);
    const slots = runs.map(nominalTime);
    assert.equal(new Set(slots).size, slots.length, `two runs for one nominal time: ${slots.join(', ')}`);
    assert.ok(slots.includes(nominalTime(inFlight)));
    // One snapshot per run and volume, named after its nominal time.
    const driver = await driverOf(target, stack.dir);
    const expected = slots.map(expectedScheduledName).sort();
    for (const volume of VOLUMES) {
      const names = (await driver.listSnapshots({ app: target.appName, volume })).map((s) => s.name).sort();
      assert.deepEqual(names, expected, `volume ${volume}`);
    }
  });
});
