// Disk operations through the app controller on the real Temporal dev server and worker.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { submitOperation, watchOperation } from '../../../client/submit-operation';
import { appControllerWorkflowId } from '../../../api/ids';
import { controllerViewQuery } from '../../../api/messages';
import { localAppTarget } from '../../helpers/app-target';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';

describe('disk operations through the app controller', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
  });

  it('bootstraps one assigned disk per volume, then creates, assigns and deletes', async () => {
    const target = localAppTarget({ volumes: ['db', 'files'] });
    const run = async (req: Parameters<typeof submitOperation>[1]) => {
      const accepted = await submitOperation(stack.client, req);
      return watchOperation(stack.client, target.appKey, accepted.id);
    };

    const boot = await run({ kind: 'disk.bootstrap', target });
    assert.equal(boot.phase, 'Completed', JSON.stringify(boot.failure));
    assert.equal(boot.figures?.disksCreated, 2);
    assert.ok(boot.steps.some((s) => s.name === 'create assigned disk for db' && s.phase === 'Completed'));

    const handle = stack.client.workflow.getHandle(appControllerWorkflowId(target.appKey));
    let view = await handle.query(controllerViewQuery);
    assert.equal(view.disks.db?.length, 1);
    assert.equal(view.disks.db?.[0]?.assigned, true);
    assert.equal(view.disks.db?.[0]?.zone, 'local-1a');
    const firstDb = view.disks.db![0]!.name;

    // A second bootstrap finds every volume assigned and creates nothing.
    const again = await run({ kind: 'disk.bootstrap', target });
    assert.equal(again.phase, 'Completed');
    assert.equal(again.figures?.disksCreated, 0);

    const created = await run({
      kind: 'disk.create',
      target,
      volume: 'db',
      name: 'db-second',
      zone: 'local-1b',
    });
    assert.equal(created.phase, 'Completed', JSON.stringify(created.failure));
    view = await handle.query(controllerViewQuery);
    const second = view.disks.db?.find((d) => d.name === 'db-second');
    assert.equal(second?.zone, 'local-1b');
    assert.equal(second?.assigned, false);

    // The assigned disk is refused by the controller before the operation starts.
    await assert.rejects(
      submitOperation(stack.client, { kind: 'disk.delete', target, volume: 'db', name: firstDb }),
      /assigned disk of volume "db" and is never deleted/,
    );

    const assigned = await run({ kind: 'disk.assign', target, volume: 'db', name: 'db-second' });
    assert.equal(assigned.phase, 'Completed');
    view = await handle.query(controllerViewQuery);
    assert.deepEqual(
      view.disks.db?.filter((d) => d.assigned).map((d) => d.name),
      ['db-second'],
    );

    const deleted = await run({ kind: 'disk.delete', target, volume: 'db', name: firstDb });
    assert.equal(deleted.phase, 'Completed', JSON.stringify(deleted.failure));
    view = await handle.query(controllerViewQuery);
    assert.deepEqual(
      view.disks.db?.map((d) => d.name),
      ['db-second'],
    );

    // Operations are listed newest first, each with its steps and requester.
    const kinds = view.recentOperations.map((o) => o.kind);
    assert.deepEqual(kinds, [
      'disk.delete',
      'disk.assign',
      'disk.create',
      'disk.bootstrap',
      'disk.bootstrap',
    ]);
    assert.ok(
      view.recentOperations.every((o) => o.requester.via === 'cli' && o.steps.length > 0 && o.endedAt),
    );
  });

  it('rejects requests for unknown volumes without starting an operation', async () => {
    const target = localAppTarget();
    await assert.rejects(
      submitOperation(stack.client, { kind: 'disk.create', target, volume: 'nope' }),
      /has no volume "nope" \(volumes: db\)/,
    );
  });

  it('records a failed operation with a machine-readable reason', async () => {
    const target = localAppTarget();
    const accepted = await submitOperation(stack.client, {
      kind: 'disk.create',
      target,
      volume: 'db',
      source: 'snapshot:does-not-exist',
    });
    const done = await watchOperation(stack.client, target.appKey, accepted.id);
    assert.equal(done.phase, 'Failed');
    assert.equal(done.failure?.reason, 'NotFound');
    assert.match(done.failure?.message ?? '', /does-not-exist/);
    assert.equal(done.steps.find((s) => s.name === 'create disk')?.phase, 'Failed');
  });

  it('runs operations of one app one at a time, in order', async () => {
    const target = localAppTarget({ settings: { LOCAL_LATENCY_MS: 'createDisk=600' } });
    const ids = [];
    for (const name of ['one', 'two', 'three']) {
      ids.push((await submitOperation(stack.client, { kind: 'disk.create', target, volume: 'db', name })).id);
    }
    const records = [];
    for (const id of ids) records.push(await watchOperation(stack.client, target.appKey, id));
    for (let i = 1; i < records.length; i++) {
      assert.ok(
        Date.parse(records[i]!.startedAt!) >= Date.parse(records[i - 1]!.endedAt!),
        'operations overlapped',
      );
    }
  });
});
