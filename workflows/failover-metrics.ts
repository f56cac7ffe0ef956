// Failover and alert metrics, emitted from the workflows' own records (Temporal's workflow metric
// meter skips replays, so a restarted worker neither loses nor double-counts them).
import { metricMeter } from '@temporalio/workflow';
import type { AppFailoverRequest, OperationRecord } from '../api/operation';

/** Seconds from the first alert (or the request, by hand) until the failover ended, by outcome. */
export function recordFailoverRto(record: OperationRecord, request: AppFailoverRequest): void {
  const from = Date.parse(request.alertReceivedAt ?? record.requestedAt);
  const to = Date.parse(record.endedAt ?? new Date().toISOString());
  metricMeter
    .createHistogram(
      'kompox_failover_rto_seconds',
      'float',
      's',
      'Time from the alert about a failed node until the app failover ended',
    )
    .record(Math.max(0, (to - from) / 1000), { outcome: record.phase, app_key: record.appKey });
}

/** Alerts a node incident took, by source and what became of them. */
export function countAlert(source: string, result: 'incident' | 'resolved'): void {
  metricMeter
    .createCounter('kompox_alerts_total', undefined, 'Alerts about failed nodes handed to node incidents')
    .add(1, { source, result });
}
