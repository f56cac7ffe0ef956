import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isValidSnapshotName,
  onDemandSnapshotName,
  scheduledSnapshotName,
  SNAPSHOT_NAME_MAX_LENGTH,
  snapshotCopyIdempotencyKey,
  snapshotIdempotencyKey,
  snapshotNameFor,
} from '../../../workflows/snapshot-policy';

const APP = '/ws/acme/prv/aks1/cls/prod/app/gitea';

void describe('snapshot names', () => {
  void it('names scheduled snapshots after the scheduled UTC time', () => {
    assert.equal(scheduledSnapshotName(new Date('2025-03-07T17:17:00Z')), 's20250307-171700');
    assert.equal(scheduledSnapshotName(new Date('2025-03-07T18:17:00+01:00')), 's20250307-171700');
    assert.equal(scheduledSnapshotName(new Date('2025-03-07T17:17:30.999Z')), 's20250307-171730');
    assert.equal(
      snapshotNameFor({ kind: 'scheduled', scheduledTime: new Date('1999-12-31T23:59:59Z') }),
      's19991231-235959',
    );
  });

  void it('names on-demand snapshots after the operation id', () => {
    const id = '20250307171700-snapshot-create-1a2b3c';
    const name = onDemandSnapshotName(id);
    assert.match(name, /^o20250307-171700-[0-9a-z]{4}$/);
    assert.equal(onDemandSnapshotName(id), name);
    assert.notEqual(onDemandSnapshotName('20250307171700-snapshot-create-1a2b3d'), name);
    assert.match(onDemandSnapshotName('manual-42'), /^o-[0-9a-z]{12}$/);
    assert.equal(
      snapshotNameFor({ kind: 'onDemand', operationId: 'manual-42' }),
      onDemandSnapshotName('manual-42'),
    );
    assert.throws(() => onDemandSnapshotName(''), RangeError);
  });

  void it('stays a DNS label of at most 24 characters for any input', () => {
    const names = [
      scheduledSnapshotName(new Date('9999-12-31T23:59:59Z')),
      scheduledSnapshotName(new Date(0)),
      onDemandSnapshotName('20250307171700-' + 'x'.repeat(500)),
      onDemandSnapshotName('Ünïcode/ids with spaces'),
      onDemandSnapshotName('0'),
    ];
    for (let i = 0; i < 200; i++) names.push(onDemandSnapshotName(`op-${i}`));
    for (const name of names) {
      assert.ok(name.length <= SNAPSHOT_NAME_MAX_LENGTH, name);
      assert.ok(isValidSnapshotName(name), name);
    }
    assert.equal(new Set(names.slice(5)).size, 200, 'distinct ids give distinct names');
    assert.equal(isValidSnapshotName('x'.repeat(25)), false);
    assert.equal(isValidSnapshotName('-a'), false);
  });

  void it('refuses times it cannot name', () => {
    assert.throws(() => scheduledSnapshotName(new Date(Number.NaN)), RangeError);
    assert.throws(() => scheduledSnapshotName(new Date('+010000-01-01T00:00:00Z')), RangeError);
  });
});

void describe('snapshot idempotency keys', () => {
  void it('keys scheduled runs by slot, independent of the operation', () => {
    const scheduledTime = new Date('2025-03-07T17:17:00.000Z');
    assert.equal(
      snapshotIdempotencyKey(APP, { kind: 'scheduled', scheduledTime }, 'db'),
      `${APP}/2025-03-07T17:17:00Z/db/snapshot`,
    );
    assert.equal(
      snapshotIdempotencyKey(APP, { kind: 'scheduled', scheduledTime: new Date(scheduledTime) }, 'db'),
      snapshotIdempotencyKey(APP, { kind: 'scheduled', scheduledTime }, 'db'),
    );
    assert.notEqual(
      snapshotIdempotencyKey(APP, { kind: 'scheduled', scheduledTime }, 'db'),
      snapshotIdempotencyKey(APP, { kind: 'scheduled', scheduledTime }, 'files'),
    );
  });

  void it('keys on-demand runs by operation id', () => {
    assert.equal(
      snapshotIdempotencyKey(
        APP,
        { kind: 'onDemand', operationId: '20250307171700-snapshot-create-1a2b3c' },
        'db',
      ),
      `${APP}/20250307171700-snapshot-create-1a2b3c/db/snapshot`,
    );
    assert.throws(() => snapshotIdempotencyKey(APP, { kind: 'onDemand', operationId: '' }, 'db'), RangeError);
    assert.throws(() => snapshotIdempotencyKey('', { kind: 'onDemand', operationId: 'x' }, 'db'), RangeError);
  });

  void it('keys a copy by its snapshot slot and the region', () => {
    const scheduled = { kind: 'scheduled' as const, scheduledTime: new Date('2025-03-07T17:17:00.000Z') };
    assert.equal(
      snapshotCopyIdempotencyKey(APP, scheduled, 'db', 'local-2'),
      `${APP}/2025-03-07T17:17:00Z/db/copy/local-2`,
    );
    const onDemand = { kind: 'onDemand' as const, operationId: '20250307171700-snapshot-create-1a2b3c' };
    assert.equal(
      snapshotCopyIdempotencyKey(APP, onDemand, 'db', 'eu-west-1'),
      `${APP}/20250307171700-snapshot-create-1a2b3c/db/copy/eu-west-1`,
    );
    assert.notEqual(
      snapshotCopyIdempotencyKey(APP, onDemand, 'db', 'eu-west-1'),
      snapshotIdempotencyKey(APP, onDemand, 'db'),
    );
    assert.throws(() => snapshotCopyIdempotencyKey(APP, onDemand, 'db', ''), RangeError);
  });
});
