// A disk that takes longer to archive than the 10 s heartbeat timeout of disk activities (the
// local provider paced to 2 s per MiB, 7 MiB of data): the snapshot completes in one attempt of
// createSnapshot, and a disk created from it (the extract, paced the same) in one of createDisk,
// because both heartbeat while the data streams.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { activityAttempts, driverOf, runOperation, suiteStack, treeChecksums } from '../../helpers/snapshots';
import type { OperationRecord } from '../../../api/operation';

const stepSeconds = (op: OperationRecord, prefix: string): number => {
  const s = op.steps.find((x) => x.name.startsWith(prefix));
  assert.ok(s?.startedAt && s.endedAt, `no finished step "${prefix}": ${JSON.stringify(op.steps)}`);
  return (Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000;
};

void describe('slow disk archive', () => {
  const suite = suiteStack();

  void it('snapshot and extract longer than the heartbeat timeout complete in one attempt', async () => {
    const target = suite.target({ volumes: ['db'], settings: { LOCAL_LATENCY_MS: 'archiveMiB=2000' } });
    const boot = await runOperation(suite.stack.client, { kind: 'disk.bootstrap', target });
    assert.equal(boot.phase, 'Completed', JSON.stringify(boot.failure));
    const driver = await driverOf(target, suite.stack.dir);
    const [disk] = await driver.listDisks({ app: target.appName, volume: 'db' });
    assert.ok(disk);
    // Random bytes: gzip cannot shrink them, so the paced stream really carries 7 MiB.
    writeFileSync(join(disk.handle, 'pgdata.bin'), randomBytes(7 * 1024 * 1024));

    const snap = await runOperation(suite.stack.client, {
      kind: 'snapshot.create',
      target,
      volume: 'db',
      name: 'big',
    });
    assert.equal(snap.phase, 'Completed', JSON.stringify(snap.failure));
    assert.ok(
      stepSeconds(snap, 'snapshot ') > 12,
      `the archive step took ${stepSeconds(snap, 'snapshot ')} s`,
    );
    const snapAttempts = await activityAttempts(suite.stack.client, snap.workflowId!);
    assert.deepEqual(snapAttempts.createSnapshot, [1], JSON.stringify(snapAttempts));

    const restored = await runOperation(suite.stack.client, {
      kind: 'disk.create',
      target,
      volume: 'db',
      name: 'from-big',
      source: 'snapshot:big',
    });
    assert.equal(restored.phase, 'Completed', JSON.stringify(restored.failure));
    const diskAttempts = await activityAttempts(suite.stack.client, restored.workflowId!);
    assert.deepEqual(diskAttempts.createDisk, [1], JSON.stringify(diskAttempts));
    const copy = (await driver.listDisks({ app: target.appName, volume: 'db' })).find(
      (d) => d.name === 'from-big',
    );
    assert.ok(copy);
    assert.deepEqual(treeChecksums(copy.handle), treeChecksums(disk.handle));
  });
});
