// What an app's controller has counted since it started: every finished operation's duration
// by kind and outcome, and every failover's RTO by outcome, as cumulative histograms. They live
// in the controller's state (carried across continue-as-new) so any worker can export them as
// Prometheus histograms from a Query: the values survive worker restarts and agree between
// workers, and they vanish with the app.
import type { OperationKind, OperationPhase, OperationRecord, OperationRequest } from './operation';

/** Upper bounds (seconds) of the buckets: a second to two hours, an operation's longest deadline. */
export const DURATION_BUCKETS: readonly number[] = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200];

export interface DurationHistogram {
  count: number;
  sum: number;
  /** Cumulative counts per bound of DURATION_BUCKETS (`le`); `count` is the +Inf bucket. */
  buckets: number[];
}

export interface OperationTotals {
  /** Seconds from start to end of each finished operation (0 for one cancelled while queued). */
  operations: Partial<Record<OperationKind, Partial<Record<OperationPhase, DurationHistogram>>>>;
  /** Seconds from the first alert (or the request, by hand) until each failover ended. */
  failoverRto: Partial<Record<OperationPhase, DurationHistogram>>;
}

export function emptyTotals(): OperationTotals {
  return { operations: {}, failoverRto: {} };
}

/** `h` with one more observation (a new histogram when `h` is absent). */
export function observe(h: DurationHistogram | undefined, seconds: number): DurationHistogram {
  const next = h ?? { count: 0, sum: 0, buckets: DURATION_BUCKETS.map(() => 0) };
  next.count += 1;
  next.sum += seconds;
  DURATION_BUCKETS.forEach((le, i) => {
    if (seconds <= le) next.buckets[i] = (next.buckets[i] ?? 0) + 1;
  });
  return next;
}

/** Counts a finished operation (and a failover's RTO) into `totals`. */
export function countOperation(
  totals: OperationTotals,
  record: OperationRecord,
  request: OperationRequest,
): void {
  const ended = Date.parse(record.endedAt ?? record.requestedAt);
  const seconds = (from: string): number => Math.max(0, (ended - Date.parse(from)) / 1000);
  const byOutcome = (totals.operations[record.kind] ??= {});
  byOutcome[record.phase] = observe(
    byOutcome[record.phase],
    record.startedAt ? seconds(record.startedAt) : 0,
  );
  if (request.kind === 'app.failover')
    totals.failoverRto[record.phase] = observe(
      totals.failoverRto[record.phase],
      seconds(request.alertReceivedAt ?? record.requestedAt),
    );
}
