// A worker killed with SIGKILL while a snapshot of two volumes is being taken (the provider takes
// 4 s per snapshot) is restarted; the retried activities resume the same snapshots, so each
// volume ends with exactly one, and the operation completes.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { submitOperation, watchOperation } from '../../../client/submit-operation';
import { activityAttempts, driverOf, suiteStack, runOperation, waitForSteps } from '../../helpers/snapshots';
import { killAndRestartWorker } from '../../helpers/worker-kill';

void describe('worker crash during snapshot create', () => {
  const suite = suiteStack();

  void it('leaves exactly one snapshot per volume and the operation Completed after SIGKILL and restart', async () => {
    const volumes = ['db', 'files'];
    const target = suite.target({ volumes, settings: { LOCAL_LATENCY_MS: 'createSnapshot=4000' } });
    const boot = await runOperation(suite.stack.client, { kind: 'disk.bootstrap', target });
    assert.equal(boot.phase, 'Completed', JSON.stringify(boot.failure));

    const accepted = await submitOperation(suite.stack.client, { kind: 'snapshot.create', target });
    await waitForSteps(
      suite.stack.client,
      target.appKey,
      accepted.id,
      'both snapshot steps running',
      (steps) => steps.filter((s) => s.name.startsWith('snapshot ') && s.phase === 'InProgress').length === 2,
    );
    // Both creates have begun (the provider now holds them for 4 s); kill the worker mid-wait.
    await sleep(1500);
    await killAndRestartWorker(suite.stack.dir);

    const done = await watchOperation(suite.stack.client, target.appKey, accepted.id);
    assert.equal(done.phase, 'Completed', JSON.stringify(done.failure));
    assert.equal(done.figures?.snapshots, volumes.length);
    assert.equal(done.figures?.failed, 0);

    // The kill really interrupted the creates: createSnapshot ran a second attempt.
    const attempts = await activityAttempts(suite.stack.client, done.workflowId!);
    const retried = Object.keys(attempts).filter((type) => attempts[type]!.some((n) => n >= 2));
    assert.ok(
      retried.includes('createSnapshot'),
      `no createSnapshot attempt 2; retried: ${retried.join(',')}`,
    );

    const driver = await driverOf(target, suite.stack.dir);
    for (const volume of volumes) {
      const snaps = await driver.listSnapshots({ app: target.appName, volume });
      assert.deepEqual(
        snaps.map((s) => [s.name, s.state]),
        [[done.figures?.[`volume.${volume}`], 'ready']],
        `volume ${volume}`,
      );
    }
  });
});
