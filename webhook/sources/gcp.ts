// Google Cloud Monitoring webhook notification channel (payload version 1.2): one incident per
// request. `incident.incident_id` is the same for the open and closed notices of an incident.
import type { NormalizedAlert } from '../../api/alert';
import {
  InvalidAlertError,
  optionalString,
  requireObject,
  requireString,
  stringLabels,
} from '../invalid-alert';
import { type NormalizeContext, alertOf, isoTime, targetOf } from './normalize-context';

export function normalizeGcp(body: unknown, ctx: NormalizeContext): NormalizedAlert[] {
  const doc = requireObject(body, 'body');
  const incident = requireObject(doc.incident, 'incident');
  const path = 'incident.';
  const id = requireString(incident, 'incident_id', path);
  const state = requireString(incident, 'state', path);
  if (state !== 'open' && state !== 'closed')
    throw new InvalidAlertError(`${path}state: expected open or closed, got ${state}`);
  const resource = incident.resource === undefined ? {} : requireObject(incident.resource, `${path}resource`);
  const metric = incident.metric === undefined ? {} : requireObject(incident.metric, `${path}metric`);
  // The monitored resource (gce_instance, k8s_node) is what failed; its labels come first.
  const labels = { ...stringLabels(metric.labels), ...stringLabels(resource.labels) };
  const status = state === 'open' ? 'firing' : 'resolved';
  return [
    alertOf({
      source: 'gcp',
      dedupeKey: id,
      status,
      name: optionalString(incident, 'policy_name'),
      ...targetOf('gcp', labels, ctx),
      observedAt: isoTime(status === 'firing' ? incident.started_at : incident.ended_at),
      receivedAt: ctx.receivedAt,
    }),
  ];
}
