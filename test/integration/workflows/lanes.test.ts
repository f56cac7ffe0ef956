// The controller's scheduling on the real Temporal server: priority lanes, cancel of queued and
// running operations, preemption by a higher lane, deadlines, and a worker killed with SIGKILL
// while a cancel or a preemption is under way. `test.hold` operations stand in for failover and
// migration, which do not exist yet: they hold their lane until cancelled or their time is up.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import {
  type NewRequest,
  cancelOperation,
  localRequester,
  submitOperation,
  watchOperation,
} from '../../../client/submit-operation';
import { restartWorker } from '../../../dev/dev-stack';
import { appControllerWorkflowId } from '../../../api/ids';
import { operationQuery } from '../../../api/messages';
import type { AppTarget } from '../../../api/app-target';
import type { Lane, OperationRecord } from '../../../api/operation';
import { localAppTarget } from '../../helpers/app-target';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import { readOperation } from '../../../client/live-steps';

const TEST = localRequester('test');

function hold(target: AppTarget, lane: Lane, seconds: number, extra: Partial<NewRequest> = {}): NewRequest {
  return { kind: 'test.hold', target, lane, seconds, ...extra } as NewRequest;
}

async function submit(client: Client, request: NewRequest): Promise<OperationRecord> {
  return submitOperation(client, request, { requester: TEST });
}

/** Waits until the operation is InProgress (its child workflow runs). */
async function waitRunning(client: Client, appKey: string, id: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const record = await readOperation(client, appKey, id);
    if (record?.phase === 'InProgress' && record.steps.some((s) => s.phase === 'InProgress')) return;
    assert.ok(Date.now() < deadline, `operation ${id} never started: ${JSON.stringify(record)}`);
    await sleep(100);
  }
}

function killWorker(stack: TestStack): void {
  process.kill(Number(readFileSync(join(stack.dir, 'worker.pid'), 'utf8')), 'SIGKILL');
}

describe('app controller lanes, cancel, preemption and deadlines', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
  });

  it('runs a queued higher lane before an earlier lower one', async () => {
    const target = localAppTarget();
    const { appKey } = target;
    const first = await submit(stack.client, hold(target, 'maintenance', 2));
    await waitRunning(stack.client, appKey, first.id);
    const low = await submit(stack.client, hold(target, 'maintenance', 1));
    const high = await submit(stack.client, hold(target, 'app', 1));
    const [l, h] = await Promise.all([
      watchOperation(stack.client, appKey, low.id),
      watchOperation(stack.client, appKey, high.id),
    ]);
    assert.equal(h.phase, 'Completed');
    assert.equal(l.phase, 'Completed');
    assert.ok(h.startedAt! < l.startedAt!, `app lane started ${h.startedAt}, maintenance ${l.startedAt}`);
    assert.equal(h.lane, 'app');
    assert.equal(l.lane, 'maintenance');
  });

  it('cancels a queued operation without running it, and a running one after its undo step', async () => {
    const target = localAppTarget();
    const { appKey } = target;
    const running = await submit(stack.client, hold(target, 'maintenance', 600));
    await waitRunning(stack.client, appKey, running.id);
    const queued = await submit(stack.client, hold(target, 'maintenance', 600));

    const q = await cancelOperation(stack.client, appKey, queued.id, 'not needed', TEST);
    assert.equal(q.phase, 'Cancelled');
    assert.equal(q.startedAt, undefined, 'a cancelled queued operation never starts');
    assert.match(q.failure?.message ?? '', /not needed/);

    const r = await cancelOperation(stack.client, appKey, running.id, 'wrong app', TEST);
    assert.equal(r.phase, 'Cancelled');
    assert.equal(r.failure?.reason, 'Cancelled');
    assert.match(r.failure?.message ?? '', /wrong app/);
    // The child undid its step before the controller recorded the end.
    assert.ok(
      r.steps.some((s) => s.name === 'release' && s.phase === 'Completed'),
      JSON.stringify(r.steps),
    );
    // The controller goes on with the next operation.
    const next = await submit(stack.client, hold(target, 'maintenance', 0));
    assert.equal((await watchOperation(stack.client, appKey, next.id)).phase, 'Completed');
    // Cancelling what has ended changes nothing and says so.
    const again = await cancelOperation(stack.client, appKey, next.id, '', TEST);
    assert.equal(again.phase, 'Completed');
    await assert.rejects(cancelOperation(stack.client, appKey, 'no-such-op', '', TEST), /no operation/);
  });

  it('lets a higher lane preempt the running operation, which ends Cancelled with the reason', async () => {
    const target = localAppTarget();
    const { appKey } = target;
    const low = await submit(stack.client, hold(target, 'maintenance', 600));
    await waitRunning(stack.client, appKey, low.id);
    // Without preempt a higher lane only waits its turn: the running one is untouched.
    const polite = await submit(stack.client, hold(target, 'migrate', 0));
    await sleep(1000);
    const still = await stack.client.workflow
      .getHandle(appControllerWorkflowId(appKey))
      .query(operationQuery, low.id);
    assert.equal(still?.phase, 'InProgress');

    const urgent = await submit(stack.client, hold(target, 'failover', 0, { preempt: true }));
    const preempted = await watchOperation(stack.client, appKey, low.id);
    assert.equal(preempted.phase, 'Cancelled');
    assert.equal(preempted.failure?.reason, 'Preempted');
    assert.match(preempted.failure?.message ?? '', new RegExp(urgent.id));
    const u = await watchOperation(stack.client, appKey, urgent.id);
    const p = await watchOperation(stack.client, appKey, polite.id);
    assert.equal(u.phase, 'Completed');
    assert.equal(p.phase, 'Completed');
    assert.ok(u.startedAt! < p.startedAt!, 'the failover lane ran before the migrate lane');
  });

  it('fails an operation that outlives its deadline, after its undo step', async () => {
    const target = localAppTarget();
    const { appKey } = target;
    const slow = await submit(stack.client, hold(target, 'maintenance', 600, { deadlineSeconds: 2 }));
    const done = await watchOperation(stack.client, appKey, slow.id);
    assert.equal(done.phase, 'Failed');
    assert.equal(done.failure?.reason, 'DeadlineExceeded');
    assert.ok(done.deadlineAt, 'the record shows the deadline');
    assert.ok(done.steps.some((s) => s.name === 'release' && s.phase === 'Completed'));
  });

  it('refuses test.hold from anyone but tests', async () => {
    const target = localAppTarget();
    await assert.rejects(submitOperation(stack.client, hold(target, 'app', 0)), /for tests only/);
  });

  it('resolves two Clusters of one provider with the same app name to one controller', async () => {
    const a = localAppTarget();
    const b = {
      ...a,
      appId: a.appId.replace('/cls/dev/', '/cls/other/'),
      cluster: { ...a.cluster, id: a.cluster.id.replace('/cls/dev', '/cls/other'), name: 'other' },
    };
    assert.equal(a.appKey, b.appKey);
    const fromA = await submit(stack.client, {
      kind: 'disk.create',
      target: a,
      volume: 'db',
      name: 'from-a',
    });
    const fromB = await submit(stack.client, {
      kind: 'disk.create',
      target: b,
      volume: 'db',
      name: 'from-b',
    });
    const doneA = await watchOperation(stack.client, a.appKey, fromA.id);
    const doneB = await watchOperation(stack.client, b.appKey, fromB.id);
    assert.equal(doneA.phase, 'Completed');
    assert.equal(doneB.phase, 'Completed');
    const controllers: string[] = [];
    for await (const wf of stack.client.workflow.list({
      query: `KompoxAppKey = "${a.appKey}" AND WorkflowType = "appController"`,
    }))
      controllers.push(wf.workflowId);
    assert.deepEqual(controllers, [appControllerWorkflowId(a.appKey)]);
    // One mirror of one set of disks: the second operation sees the first one's disk.
    const view = await stack.client.workflow
      .getHandle(appControllerWorkflowId(a.appKey))
      .query(operationQuery, fromB.id);
    assert.equal(view?.figures?.disk, 'from-b');
  });

  it('finishes a cancel once when the worker is killed while the operation undoes its step', async () => {
    const target = localAppTarget();
    const { appKey } = target;
    const running = await submit(stack.client, hold(target, 'maintenance', 600));
    await waitRunning(stack.client, appKey, running.id);
    killWorker(stack);
    // The cancel is accepted by the server and handled by the restarted worker.
    const cancelled = cancelOperation(stack.client, appKey, running.id, 'during a crash', TEST);
    await sleep(500);
    await restartWorker(stack.dir);
    const r = await cancelled;
    assert.equal(r.phase, 'Cancelled');
    assert.equal(r.steps.filter((s) => s.name === 'release').length, 1, JSON.stringify(r.steps));
    const view = await stack.client.workflow
      .getHandle(appControllerWorkflowId(appKey))
      .query(operationQuery, running.id);
    assert.equal(view?.phase, 'Cancelled');
  });

  it('finishes a preemption once when the worker is killed in the middle of it', async () => {
    const target = localAppTarget();
    const { appKey } = target;
    const low = await submit(stack.client, hold(target, 'maintenance', 600));
    await waitRunning(stack.client, appKey, low.id);
    killWorker(stack);
    // The update is accepted only once a worker runs the controller again.
    const submitted = submit(stack.client, hold(target, 'failover', 1, { preempt: true }));
    await sleep(500);
    await restartWorker(stack.dir);
    const urgent = await submitted;
    const p = await watchOperation(stack.client, appKey, low.id);
    const u = await watchOperation(stack.client, appKey, urgent.id);
    assert.equal(p.phase, 'Cancelled');
    assert.equal(p.failure?.reason, 'Preempted');
    assert.equal(u.phase, 'Completed');
    assert.equal(p.steps.filter((s) => s.name === 'release').length, 1);
    assert.equal(u.steps.filter((s) => s.name === 'release').length, 1);
  });
});
