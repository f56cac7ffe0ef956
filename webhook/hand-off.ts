// Where an accepted alert goes after the receiver has answered 202: the one place to wire the
// receiver to the incident workflows.
import type { NormalizedAlert } from '../api/alert';

/** Takes one alert; a rejection is logged and counted by the receiver, never retried by it. */
export type AlertHandOff = (alert: NormalizedAlert) => Promise<void>;

export interface HandOffOptions {
  /** Temporal frontend, host:port (`--temporal-address`, $TEMPORAL_ADDRESS). */
  temporalAddress?: string;
  namespace?: string;
}

export function createHandOff(_options: HandOffOptions = {}): Promise<AlertHandOff> {
  return Promise.reject(new Error('not wired yet'));
}
