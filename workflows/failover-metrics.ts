// Alert metrics, emitted from the node incidents' own records (Temporal's workflow metric meter
// skips replays, so a restarted worker neither loses nor double-counts them). Failover RTOs are
// counted in the app controller's state instead (api/operation-totals.ts), exported by the worker.
import { metricMeter } from '@temporalio/workflow';

export const ALERTS_METRIC = 'kompox_alerts_total';

/** Alerts a node incident took, by source and what became of them. */
export function countAlert(source: string, result: 'incident' | 'resolved'): void {
  metricMeter
    .createCounter(ALERTS_METRIC, undefined, 'Alerts about failed nodes handed to node incidents')
    .add(1, { source, result });
}
