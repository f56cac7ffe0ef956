import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DriverError, isRetryableError } from '../../../drivers/errors';
import { keyDigest, keyName, keyUuid, requestFingerprint } from '../../../drivers/idempotency';
import { type OperationHandle, resumeOperation, waitForOperation } from '../../../drivers/long-operation';
import { formatDiskSource, parseDiskSource, parseSnapshotSource } from '../../../drivers/source';
import { TAG, isAssignedTag, isReservedTagKey, tagsMatch } from '../../../drivers/tags';

const op: OperationHandle<'copySnapshot'> = {
  kind: 'copySnapshot',
  provider: 'local',
  id: 'snapshot:a/b/c',
  pollState: { app: 'a' },
  startedAt: '2026-01-01T00:00:00.000Z',
};

void describe('driver contract helpers', () => {
  void it('derives stable, cloud-safe tokens from an idempotency key', () => {
    assert.equal(keyDigest('op/1'), keyDigest('op/1'));
    assert.notEqual(keyDigest('op/1'), keyDigest('op/2'));
    assert.match(keyDigest('op/1'), /^[0-9a-f]{40}$/);
    assert.match(keyName('op/1'), /^[0-9a-z]{12}$/);
    const uuid = keyUuid('op/1');
    assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(keyUuid('op/1'), uuid);
    assert.throws(() => keyDigest(''), { code: 'InvalidArgument' });
    assert.equal(
      requestFingerprint({ a: 1, b: [1, { c: 2, d: 3 }] }),
      requestFingerprint({ b: [1, { d: 3, c: 2 }], a: 1 }),
    );
    assert.notEqual(requestFingerprint({ a: 1 }), requestFingerprint({ a: 2 }));
  });

  void it('parses the reference source strings', () => {
    assert.deepEqual(parseDiskSource(undefined), { kind: 'empty' });
    assert.deepEqual(parseDiskSource('s1'), { kind: 'snapshot', name: 's1' });
    assert.deepEqual(parseDiskSource('snapshot:s1'), { kind: 'snapshot', name: 's1' });
    assert.deepEqual(parseDiskSource('disk:d1'), { kind: 'disk', name: 'd1' });
    assert.deepEqual(parseDiskSource('/subscriptions/x/disks/y'), {
      kind: 'provider',
      id: '/subscriptions/x/disks/y',
    });
    assert.deepEqual(parseDiskSource('arm:/subscriptions/x'), { kind: 'provider', id: '/subscriptions/x' });
    assert.throws(() => parseDiskSource('foo:bar'), { code: 'InvalidArgument' });
    assert.throws(() => parseDiskSource('disk:'), { code: 'InvalidArgument' });
    assert.equal(parseSnapshotSource(''), undefined);
    assert.equal(parseSnapshotSource('disk:d1'), 'd1');
    assert.throws(() => parseSnapshotSource('snapshot:s1'), { code: 'InvalidArgument' });
    assert.equal(formatDiskSource({ kind: 'snapshot', name: 's1' }), 'snapshot:s1');
  });

  void it('classifies errors for Temporal retries', () => {
    assert.equal(new DriverError('Transient', 'x').retryable, true);
    assert.equal(new DriverError('InUse', 'x').retryable, false);
    assert.equal(isRetryableError(new Error('unknown')), true);
    assert.equal(isRetryableError(new DriverError('NotImplemented', 'x')), false);
  });

  void it('works with tags', () => {
    assert.equal(isAssignedTag({ [TAG.assigned]: 'true' }), true);
    assert.equal(isAssignedTag({ [TAG.assigned]: 'True' }), false);
    assert.equal(tagsMatch({ a: '1', b: '2' }, { a: '1' }), true);
    assert.equal(tagsMatch({ a: '1' }, { a: '2' }), false);
    assert.equal(isReservedTagKey('kompox-volume'), true);
    assert.equal(isReservedTagKey('team'), false);
  });

  void it('finds a saved operation in heartbeat details', () => {
    const saved = JSON.parse(JSON.stringify(op)) as unknown;
    assert.deepEqual(resumeOperation(saved, 'copySnapshot'), op);
    assert.deepEqual(resumeOperation([saved], 'copySnapshot'), op);
    assert.deepEqual(resumeOperation({ op: saved, step: 2 }, 'copySnapshot'), op);
    assert.equal(resumeOperation(saved, 'createDisk'), undefined);
    assert.equal(resumeOperation(undefined, 'copySnapshot'), undefined);
    assert.equal(resumeOperation({ kind: 'copySnapshot' }, 'copySnapshot'), undefined);
  });

  void it('waits with heartbeats and gives up with a Transient error at the timeout', async () => {
    let polls = 0;
    const beats: unknown[] = [];
    const driver = {
      poll: async () =>
        ++polls < 3
          ? { done: false as const, op, progress: polls / 3 }
          : { done: true as const, result: null },
    };
    assert.equal(
      await waitForOperation(driver as never, op, {
        intervalMs: 1,
        onPoll: (o, p) => void beats.push([o.id, p]),
      }),
      null,
    );
    assert.equal(beats.length, 2);
    const never = { poll: async () => ({ done: false as const, op }) };
    await assert.rejects(waitForOperation(never as never, op, { intervalMs: 5, timeoutMs: 30 }), {
      code: 'Transient',
    });
  });
});
