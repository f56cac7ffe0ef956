// What every source's normaliser needs besides the body: the label mapping, and when the
// receiver took the request (each alert's receivedAt, where a failover's RTO starts).
import type { AlertSource, NormalizedAlert } from '../../api/alert';
import { type AlertTarget, type LabelMapping, mapLabels } from '../label-mapping';

export interface NormalizeContext {
  mapping: LabelMapping;
  receivedAt: string;
}

/** The target the labels name for this source, with the mapping's default cluster. */
export const targetOf = (
  source: AlertSource,
  labels: Readonly<Record<string, string>>,
  ctx: NormalizeContext,
): AlertTarget => mapLabels(labels, ctx.mapping.sources[source], ctx.mapping.defaultCluster);

/** An alert without the fields that are undefined, so logs and records stay small. */
export function alertOf(fields: NormalizedAlert): NormalizedAlert {
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined && v !== ''),
  ) as unknown as NormalizedAlert;
}

/** An ISO 8601 time, or undefined for a missing, unparsable or zero time. */
export function isoTime(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const d = new Date(typeof value === 'number' ? value * 1000 : value);
  // Alertmanager sends 0001-01-01T00:00:00Z as endsAt while an alert fires.
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() <= 1) return undefined;
  return d.toISOString();
}
