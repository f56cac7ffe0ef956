// The controller continues-as-new while idle once its history is long, and the new run keeps
// the disks mirror and the operation records.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { submitOperation, watchOperation } from '../../../client/submit-operation';
import { appController } from '../../../workflows/app-controller';
import { TASK_QUEUE, appControllerWorkflowId } from '../../../api/ids';
import { controllerViewQuery } from '../../../api/messages';
import { restartWorker } from '../../../dev/dev-stack';
import { localAppTarget } from '../../helpers/app-target';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';

describe('app controller continue-as-new', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
  });

  it('hands its state to a new run and keeps serving', async () => {
    const target = localAppTarget();
    const workflowId = appControllerWorkflowId(target.appKey);
    const first = await stack.client.workflow.start(appController, {
      workflowId,
      taskQueue: TASK_QUEUE,
      args: [{ appKey: target.appKey, maxHistoryEvents: 40 }],
    });

    const ids: string[] = [];
    for (const name of ['a1', 'a2', 'a3']) {
      const accepted = await submitOperation(stack.client, {
        kind: 'disk.create',
        target,
        volume: 'db',
        name,
      });
      ids.push(accepted.id);
      await watchOperation(stack.client, target.appKey, accepted.id);
    }

    // Wait for the hand-over: the latest run differs from the first.
    const deadline = Date.now() + 30_000;
    let latestRunId = first.firstExecutionRunId;
    while (latestRunId === first.firstExecutionRunId) {
      assert.ok(Date.now() < deadline, 'controller never continued as new');
      await sleep(200);
      latestRunId = (await stack.client.workflow.getHandle(workflowId).describe()).runId;
    }

    const view = await stack.client.workflow.getHandle(workflowId).query(controllerViewQuery);
    assert.deepEqual(
      view.recentOperations.map((o) => o.id),
      ids.slice().reverse(),
    );
    assert.deepEqual(view.disks.db?.map((d) => d.name).sort(), ['a1', 'a2', 'a3']);

    // The new run accepts and runs operations.
    const next = await submitOperation(stack.client, {
      kind: 'disk.assign',
      target,
      volume: 'db',
      name: 'a2',
    });
    const done = await watchOperation(stack.client, target.appKey, next.id);
    assert.equal(done.phase, 'Completed');
  });

  it('takes an update that arrives at the hand-over once, with the worker killed there', async () => {
    const target = localAppTarget();
    const workflowId = appControllerWorkflowId(target.appKey);
    const first = await stack.client.workflow.start(appController, {
      workflowId,
      taskQueue: TASK_QUEUE,
      args: [{ appKey: target.appKey, maxHistoryEvents: 40 }],
    });
    // Fill the history past the limit, so the controller hands over as soon as it is idle.
    for (const name of ['b1', 'b2', 'b3']) {
      const accepted = await submitOperation(stack.client, {
        kind: 'disk.create',
        target,
        volume: 'db',
        name,
      });
      await watchOperation(stack.client, target.appKey, accepted.id);
    }
    process.kill(Number(readFileSync(join(stack.dir, 'worker.pid'), 'utf8')), 'SIGKILL');
    // The update waits at the server while no worker runs; the restarted worker meets it at the hand-over.
    const submitted = submitOperation(
      stack.client,
      { kind: 'disk.create', target, volume: 'db', name: 'at-handover' },
      { requestId: 'handover-request' },
    );
    await sleep(300);
    await restartWorker(stack.dir);
    const accepted = await submitted;
    const done = await watchOperation(stack.client, target.appKey, accepted.id);
    assert.equal(done.phase, 'Completed', JSON.stringify(done.failure));
    // The same request again is answered with the same operation, not run twice.
    const again = await submitOperation(
      stack.client,
      { kind: 'disk.create', target, volume: 'db', name: 'at-handover' },
      { requestId: 'handover-request' },
    );
    assert.equal(again.id, accepted.id);

    const deadline = Date.now() + 30_000;
    while (
      (await stack.client.workflow.getHandle(workflowId).describe()).runId === first.firstExecutionRunId
    ) {
      assert.ok(Date.now() < deadline, 'controller never continued as new');
      await sleep(200);
    }
    const view = await stack.client.workflow.getHandle(workflowId).query(controllerViewQuery);
    assert.equal(view.recentOperations.filter((o) => o.requestId === 'handover-request').length, 1);
    assert.deepEqual(view.disks.db?.map((d) => d.name).sort(), ['at-handover', 'b1', 'b2', 'b3']);
  });
});
