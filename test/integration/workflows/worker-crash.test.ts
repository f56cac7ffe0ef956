// A worker killed with SIGKILL in the middle of `disk create` is restarted and the operation
// completes with exactly one disk: the retried activity resumes the same create.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { submitOperation, watchOperation } from '../../../client/submit-operation';
import { localAppTarget } from '../../helpers/app-target';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import { createDriver } from '../../../drivers/registry';
import { killAndRestartWorker } from '../../helpers/worker-kill';
import { readOperation } from '../../../client/live-steps';

describe('worker crash during disk create', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
  });

  it('completes with exactly one disk after SIGKILL and restart', async () => {
    const target = localAppTarget({ settings: { LOCAL_LATENCY_MS: 'createDisk=4000' } });
    const accepted = await submitOperation(stack.client, { kind: 'disk.create', target, volume: 'db' });

    // Wait until the create step runs, give the activity time to begin the create, then kill.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const rec = await readOperation(stack.client, target.appKey, accepted.id);
      if (rec?.steps.some((s) => s.name === 'create disk' && s.phase === 'InProgress')) break;
      assert.ok(Date.now() < deadline, 'create step never started');
      await sleep(100);
    }
    await sleep(1500);
    await killAndRestartWorker(stack.dir);

    const done = await watchOperation(stack.client, target.appKey, accepted.id);
    assert.equal(done.phase, 'Completed', JSON.stringify(done.failure));

    // The kill really interrupted the create: the activity ran a second attempt.
    const history = await stack.client.workflow.getHandle(done.workflowId!).fetchHistory();
    const attempts = (history.events ?? []).flatMap((e) =>
      e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : [],
    );
    assert.ok(Math.max(...attempts) >= 2, `expected a retried activity, attempts: ${attempts.join(',')}`);

    const driver = await createDriver('local', {
      workspace: target.workspace,
      provider: target.provider.name,
      cluster: target.cluster.name,
      providerSettings: target.provider.settings,
      clusterSettings: {},
      stateDir: stack.dir,
    });
    const disks = await driver.listDisks({ app: target.appName, volume: 'db' });
    assert.equal(disks.length, 1, `expected one disk, found ${disks.map((d) => d.name).join(', ')}`);
    assert.equal(disks[0]?.state, 'ready');
  });
});
