// Where an accepted alert goes after the receiver has answered 202: its node's incident
// workflow (client/report-alert.ts), through the caller's Temporal client.
import type { Client } from '@temporalio/client';
import type { NormalizedAlert } from '../api/alert';
import type { NodeIncidentInput } from '../api/incident';
import { reportAlert } from '../client/report-alert';

/** Takes one alert; a rejection is logged and counted by the receiver, never retried by it. */
export type AlertHandOff = (alert: NormalizedAlert) => Promise<void>;

/** The storm guard's limits the incidents this receiver starts use (defaults: 3 at once, 50 %). */
export type IncidentLimits = Pick<NodeIncidentInput, 'maxConcurrentFailovers' | 'zoneOutagePercent'>;

/** `log`: one JSON line per alert saying which incident took it, or why none did. */
export function createHandOff(
  client: Client,
  limits: IncidentLimits = {},
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): AlertHandOff {
  return async (alert) => {
    const outcome = await reportAlert(client, alert, limits);
    log(
      JSON.stringify({
        msg: 'alert handed off',
        source: alert.source,
        dedupeKey: alert.dedupeKey,
        status: alert.status,
        ...(outcome.result === 'incident'
          ? { incident: outcome.incidentId, phase: outcome.incident.phase }
          : { result: 'ignored', reason: outcome.reason }),
      }),
    );
  };
}
