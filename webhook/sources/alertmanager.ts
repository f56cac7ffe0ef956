// Prometheus Alertmanager webhook (version 4): many alerts per request, each with its own
// status. Alertmanager re-sends every alert of a group on each notification and an HA pair may
// deliver a notification twice, so the dedupe key is per alert, `fingerprint` + `startsAt`:
// the same for the firing and resolved notices of one episode, new when the alert fires again.
import type { NormalizedAlert } from '../../api/alert';
import { InvalidAlertError, requireObject, requireString, stringLabels } from '../invalid-alert';
import { type NormalizeContext, alertOf, isoTime, targetOf } from './normalize-context';

export function normalizeAlertmanager(body: unknown, ctx: NormalizeContext): NormalizedAlert[] {
  const doc = requireObject(body, 'body');
  if (!Array.isArray(doc.alerts)) throw new InvalidAlertError('alerts: expected a list');
  return doc.alerts.map((item, i): NormalizedAlert => {
    const path = `alerts[${i}].`;
    const alert = requireObject(item, `alerts[${i}]`);
    const status = requireString(alert, 'status', path);
    if (status !== 'firing' && status !== 'resolved')
      throw new InvalidAlertError(`${path}status: expected firing or resolved, got ${status}`);
    const fingerprint = requireString(alert, 'fingerprint', path);
    const startsAt = requireString(alert, 'startsAt', path);
    const labels = stringLabels(alert.labels);
    return alertOf({
      source: 'alertmanager',
      dedupeKey: `${fingerprint}@${startsAt}`,
      status,
      name: labels.alertname,
      ...targetOf('alertmanager', labels, ctx),
      observedAt: isoTime(status === 'firing' ? startsAt : alert.endsAt),
      receivedAt: ctx.receivedAt,
    });
  });
}
