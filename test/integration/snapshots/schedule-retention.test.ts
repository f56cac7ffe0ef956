// A scheduled app accumulates snapshots named after the schedule's nominal times, and retention
// (planned in the snapshot workflow after each run) leaves exactly what its rules say, per
// volume. Real Temporal dev server, real worker, real Temporal Schedules ticking every few
// seconds; crash consistency, so no cluster is needed.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { applySnapshotSchedule, snapshotScheduleId } from '../../../client/snapshot-schedule';
import type { SnapshotView } from '../../../activities/snapshot-view';
import type { OperationRecord } from '../../../api/operation';
import { localAppTarget } from '../../helpers/app-target';
import { kompoxops, kompoxopsJson, wikiProject } from '../../helpers/deploy-project';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import {
  controllerView,
  driverOf,
  expectedScheduledName,
  runOperation,
  setWikiSnapshots,
  waitControllerIdle,
} from '../../helpers/snapshots';

interface ScheduledRun {
  op: OperationRecord;
  scheduledTime: string;
}

/** Scheduled snapshot operations of the app, oldest first. */
async function scheduledRuns(client: Client, appKey: string): Promise<ScheduledRun[]> {
  const view = await controllerView(client, appKey);
  return view.recentOperations
    .filter((op) => op.kind === 'snapshot.create')
    .flatMap((op) => {
      const m = /scheduled=(\S+)/.exec(op.summary);
      return m?.[1] ? [{ op, scheduledTime: m[1] }] : [];
    })
    .sort((a, b) => Date.parse(a.scheduledTime) - Date.parse(b.scheduledTime));
}

async function waitForRuns(client: Client, appKey: string, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = (await scheduledRuns(client, appKey).catch(() => [])).filter(
      (r) => r.op.phase === 'Completed',
    );
    if (done.length >= count) return;
    assert.ok(
      Date.now() < deadline,
      `only ${done.length} of ${count} scheduled snapshots after ${timeoutMs} ms`,
    );
    await sleep(500);
  }
}

/** After the Schedule is gone: no scheduled run still going, and the controller idle, twice in a row. */
async function waitSettled(client: Client, appKey: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let quiet = 0;
  while (quiet < 2) {
    assert.ok(Date.now() < deadline, 'scheduled runs still going 60 s after the schedule was deleted');
    await sleep(1000);
    let running = 0;
    for await (const wf of client.workflow.list({
      query: `WorkflowType = 'scheduledSnapshotWorkflow' AND ExecutionStatus = 'Running'`,
    })) {
      if (wf.workflowId.includes(snapshotScheduleId(appKey))) running++;
    }
    await waitControllerIdle(client, appKey);
    quiet = running === 0 ? quiet + 1 : 0;
  }
}

/** Checks names, phases and retention steps of the runs; returns the names that must remain per volume. */
function checkRuns(
  runs: ScheduledRun[],
  volumes: string[],
  everyMs: number,
  keep: (names: string[]) => string[],
  retentionDetail: RegExp,
): Record<string, string[]> {
  const slots = new Set<number>();
  for (const { op, scheduledTime } of runs) {
    assert.equal(op.phase, 'Completed', `${op.id}: ${JSON.stringify(op.failure)}`);
    assert.equal(op.requester.via, 'schedule');
    const t = Date.parse(scheduledTime);
    // Nominal times: on the interval grid (Temporal anchors @every at the epoch), never the jittered start.
    assert.equal(t % everyMs, 0, `scheduled time ${scheduledTime} is not on the ${everyMs} ms grid`);
    assert.ok(!slots.has(t), `two runs for the slot ${scheduledTime}`);
    slots.add(t);
    for (const v of volumes) assert.equal(op.figures?.[`volume.${v}`], expectedScheduledName(scheduledTime));
  }
  const names = runs.map((r) => expectedScheduledName(r.scheduledTime));
  // Every run after the first ones that the rules can hold pruned each volume, with the rule's reason.
  const withRetention = runs.filter((r) => r.op.steps.some((s) => s.name.startsWith('retention ')));
  assert.ok(withRetention.length >= 2, `retention ran in only ${withRetention.length} runs`);
  for (const { op } of withRetention) {
    for (const v of volumes) {
      const step = op.steps.find((s) => s.name === `retention ${v}`);
      assert.ok(step, `${op.id} pruned some volume but not ${v}: ${op.steps.map((s) => s.name).join(', ')}`);
      assert.equal(step.phase, 'Completed');
      assert.match(step.detail ?? '', retentionDetail);
    }
  }
  const expected = keep(names);
  return Object.fromEntries(volumes.map((v) => [v, expected]));
}

void describe('scheduled snapshots and retention', () => {
  let stack: TestStack;
  const cleanup: string[] = [];
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  });

  void it('@every 2s with keepLast 2 keeps the 2 newest per volume (applySnapshotSchedule)', async () => {
    const everyMs = 2000;
    const volumes = ['db', 'files'];
    const target = localAppTarget({
      volumes,
      snapshots: {
        schedule: { kind: 'interval', everyMs, text: '2s' },
        timeZone: 'UTC',
        consistency: 'crash',
        retention: { keepLast: 2 },
      },
    });
    cleanup.push(target.provider.settings.LOCAL_ROOT!);
    const boot = await runOperation(stack.client, { kind: 'disk.bootstrap', target });
    assert.equal(boot.phase, 'Completed', JSON.stringify(boot.failure));

    assert.equal((await applySnapshotSchedule(stack.client, target)).result, 'created');
    await waitForRuns(stack.client, target.appKey, 5, 60_000);
    assert.equal((await applySnapshotSchedule(stack.client, target)).result, 'unchanged');
    // No schedule in the target: apply deletes the Schedule.
    const { snapshots: _drop, ...unscheduled } = target;
    assert.equal((await applySnapshotSchedule(stack.client, unscheduled)).result, 'deleted');
    await waitSettled(stack.client, target.appKey);

    const runs = await scheduledRuns(stack.client, target.appKey);
    assert.ok(runs.length >= 5);
    const expected = checkRuns(
      runs,
      volumes,
      everyMs,
      (names) => names.slice(-2),
      /\(unselected\).*; kept 2$/,
    );
    const driver = await driverOf(target, stack.dir);
    for (const v of volumes) {
      const left = (await driver.listSnapshots({ app: target.appName, volume: v })).map((s) => s.name).sort();
      assert.deepEqual(left, expected[v], `volume ${v}`);
    }
    // 2 per volume kept, the rest pruned, none lost or doubled.
    const pruned = runs.reduce((n, r) => n + Number(r.op.figures?.pruned ?? 0), 0);
    assert.equal(pruned, (runs.length - 2) * volumes.length);
    assert.equal((await applySnapshotSchedule(stack.client, unscheduled)).result, 'absent');
  });

  void it('@every 5s with keepLast 3 and maxAge 8s: the age limit prunes what keepLast would keep (kompoxops schedule)', async () => {
    const everyMs = 5000;
    const project = wikiProject(`sched${process.pid}`);
    cleanup.push(project.dir);
    setWikiSnapshots(project, [
      "schedule: '@every 5s'",
      'timeZone: UTC',
      'consistency: crash',
      'retention: { keepLast: 3, maxAge: 8s }',
    ]);
    const cli = (...args: string[]) => kompoxops(stack, project.dir, ...args);
    const boot = await cli('disk', 'create', '--bootstrap');
    assert.equal(boot.status, 0, boot.stderr);

    const first = await cli('schedule', 'apply');
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /created/);
    // Snapshots at ages about 0, 5 and 10 s when each run prunes: keepLast 3 selects all three,
    // maxAge 8s expires the third. A loaded machine only ever makes a run late, which ages the
    // previous snapshot, so the young side has the wider margin (3 s; 2 s on the old side).
    await waitForRuns(stack.client, project.appKey, 5, 90_000);
    const again = await cli('schedule', 'apply');
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /unchanged/);
    const show = await kompoxopsJson<{ schedule: string; paused: boolean }>(
      stack,
      project.dir,
      'schedule',
      'show',
    );
    assert.equal(show.schedule, '5s');
    assert.equal(show.paused, false);
    const del = await cli('schedule', 'delete');
    assert.equal(del.status, 0, del.stderr);
    await waitSettled(stack.client, project.appKey);
    const gone = await cli('schedule', 'show');
    assert.notEqual(gone.status, 0, 'schedule show found a deleted schedule');

    const runs = await scheduledRuns(stack.client, project.appKey);
    const volumes = ['db', 'default'];
    const expected = checkRuns(runs, volumes, everyMs, (names) => names.slice(-2), /\(expired\).*; kept 2$/);
    for (const { op } of runs) {
      for (const s of op.steps.filter((x) => x.name.startsWith('retention ')))
        assert.doesNotMatch(s.detail ?? '', /unselected/, `${op.id}: keepLast 3 pruned ${s.detail}`);
    }
    const list = await kompoxopsJson<SnapshotView[]>(stack, project.dir, 'snapshot', 'list');
    for (const v of volumes) {
      const left = list
        .filter((s) => s.volumeName === v)
        .map((s) => s.name)
        .sort();
      assert.deepEqual(left, expected[v], `volume ${v}`);
    }
  });
});
