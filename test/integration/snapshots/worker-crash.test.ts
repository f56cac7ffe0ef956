// A worker killed with SIGKILL while a snapshot of two volumes is being taken (the provider takes
// 4 s per snapshot) is restarted; the retried activities resume the same snapshots, so each
// volume ends with exactly one, and the operation completes.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { submitOperation, watchOperation } from '../../../client/submit-operation';
import { localAppTarget } from '../../helpers/app-target';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import { driverOf, killAndRestartWorker, runOperation, waitForSteps } from '../../helpers/snapshots';

void describe('worker crash during snapshot create', () => {
  let stack: TestStack;
  const roots: string[] = [];
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  void it('leaves exactly one snapshot per volume and the operation Completed after SIGKILL and restart', async () => {
    const volumes = ['db', 'files'];
    const target = localAppTarget({ volumes, settings: { LOCAL_LATENCY_MS: 'createSnapshot=4000' } });
    roots.push(target.provider.settings.LOCAL_ROOT!);
    const boot = await runOperation(stack.client, { kind: 'disk.bootstrap', target });
    assert.equal(boot.phase, 'Completed', JSON.stringify(boot.failure));

    const accepted = await submitOperation(stack.client, { kind: 'snapshot.create', target });
    await waitForSteps(
      stack.client,
      target.appKey,
      accepted.id,
      'both snapshot steps running',
      (steps) => steps.filter((s) => s.name.startsWith('snapshot ') && s.phase === 'InProgress').length === 2,
    );
    // Both creates have begun (the provider now holds them for 4 s); kill the worker mid-wait.
    await sleep(1500);
    await killAndRestartWorker(stack.dir);

    const done = await watchOperation(stack.client, target.appKey, accepted.id);
    assert.equal(done.phase, 'Completed', JSON.stringify(done.failure));
    assert.equal(done.figures?.snapshots, volumes.length);
    assert.equal(done.figures?.failed, 0);

    // The kill really interrupted the creates: createSnapshot ran a second attempt.
    const history = await stack.client.workflow.getHandle(done.workflowId!).fetchHistory();
    const scheduled = new Map<string, string>();
    const retried: string[] = [];
    for (const e of history.events ?? []) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '');
      const st = e.activityTaskStartedEventAttributes;
      if (st && (st.attempt ?? 1) >= 2) retried.push(scheduled.get(String(st.scheduledEventId)) ?? '?');
    }
    assert.ok(
      retried.includes('createSnapshot'),
      `no createSnapshot attempt 2; retried: ${retried.join(',')}`,
    );

    const driver = await driverOf(target, stack.dir);
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
