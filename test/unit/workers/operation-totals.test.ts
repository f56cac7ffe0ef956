// The controller's cumulative histograms of operation durations and failover RTOs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DURATION_BUCKETS, countOperation, emptyTotals, observe } from '../../../api/operation-totals';
import type { OperationRecord, OperationRequest } from '../../../api/operation';

const record = (over: Partial<OperationRecord>): OperationRecord => ({
  id: 'op-1',
  kind: 'snapshot.create',
  appKey: 'ws/prv/app',
  lane: 'maintenance',
  requester: { via: 'test' },
  requestId: 'r-1',
  summary: '',
  phase: 'Completed',
  requestedAt: '2026-01-01T00:00:00.000Z',
  startedAt: '2026-01-01T00:00:10.000Z',
  endedAt: '2026-01-01T00:00:52.500Z',
  steps: [],
  ...over,
});

describe('operation totals', () => {
  it('counts cumulative buckets, sum and count', () => {
    let h = observe(undefined, 0.5);
    h = observe(h, 42);
    h = observe(h, 10_000);
    assert.equal(h.count, 3);
    assert.equal(h.sum, 10_042.5);
    assert.deepEqual(
      h.buckets,
      DURATION_BUCKETS.map((le) => (le >= 60 ? 2 : le >= 1 ? 1 : 0)),
    );
  });

  it('times an operation from its start, a failover from the alert, a queued cancel as 0', () => {
    const totals = emptyTotals();
    countOperation(totals, record({}), { kind: 'snapshot.create' } as OperationRequest);
    assert.equal(totals.operations['snapshot.create']?.Completed?.sum, 42.5);
    countOperation(totals, record({ phase: 'Cancelled', startedAt: undefined }), {
      kind: 'snapshot.create',
    } as OperationRequest);
    assert.equal(totals.operations['snapshot.create']?.Cancelled?.sum, 0);
    countOperation(totals, record({ kind: 'app.failover' }), {
      kind: 'app.failover',
      alertReceivedAt: '2026-01-01T00:00:02.500Z',
    } as OperationRequest);
    assert.equal(totals.operations['app.failover']?.Completed?.sum, 42.5);
    assert.equal(totals.failoverRto.Completed?.sum, 50);
    assert.equal(totals.failoverRto.Completed?.count, 1);
  });
});
