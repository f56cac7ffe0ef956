// Azure Monitor common alert schema (an action group's webhook with the common schema on).
// `data.essentials.alertId` names one alert instance, fired and resolved alike; Azure makes a
// new one when the rule fires again, so it is the dedupe key as it stands.
import type { NormalizedAlert } from '../../api/alert';
import {
  InvalidAlertError,
  isObject,
  optionalString,
  requireObject,
  requireString,
  stringLabels,
} from '../invalid-alert';
import { mapLabels } from '../label-mapping';
import { type NormalizeContext, alertOf, isoTime } from './normalize-context';

const SCHEMA_ID = 'azureMonitorCommonAlertSchema';
const VM_ID =
  /\/providers\/microsoft\.compute\/(virtualmachines\/[^/]+|virtualmachinescalesets\/[^/]+\/virtualmachines\/[^/]+)$/i;
const AKS_ID = /\/providers\/microsoft\.containerservice\/managedclusters\/[^/]+$/i;

/** Metric and log alert dimensions as labels: `condition.allOf[].dimensions[]` name/value. */
function dimensionLabels(alertContext: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  const allOf =
    isObject(alertContext) && isObject(alertContext.condition) ? alertContext.condition.allOf : [];
  for (const cond of Array.isArray(allOf) ? allOf : []) {
    const dims = isObject(cond) ? cond.dimensions : undefined;
    for (const d of Array.isArray(dims) ? dims : []) {
      if (isObject(d) && typeof d.name === 'string' && typeof d.value === 'string' && d.value)
        labels[d.name] = d.value;
    }
  }
  return labels;
}

export function normalizeAzure(body: unknown, ctx: NormalizeContext): NormalizedAlert[] {
  const doc = requireObject(body, 'body');
  if (doc.schemaId !== SCHEMA_ID)
    throw new InvalidAlertError(`schemaId: expected ${SCHEMA_ID} (turn on the common alert schema)`);
  const data = requireObject(doc.data, 'data');
  const essentials = requireObject(data.essentials, 'data.essentials');
  const path = 'data.essentials.';
  const alertId = requireString(essentials, 'alertId', path);
  const condition = requireString(essentials, 'monitorCondition', path);
  if (condition !== 'Fired' && condition !== 'Resolved')
    throw new InvalidAlertError(`${path}monitorCondition: expected Fired or Resolved, got ${condition}`);
  const targetIds = Array.isArray(essentials.alertTargetIDs)
    ? essentials.alertTargetIDs.filter((id): id is string => typeof id === 'string')
    : [];

  // The rule's own dimensions say more than the properties someone set on it.
  const labels = { ...stringLabels(data.customProperties), ...dimensionLabels(data.alertContext) };
  const target = mapLabels(labels, ctx.mapping.sources.azure);
  target.instanceId ??= targetIds.find((id) => VM_ID.test(id));
  target.cluster ??= targetIds.find((id) => AKS_ID.test(id)) ?? ctx.mapping.defaultCluster;
  const status = condition === 'Fired' ? 'firing' : 'resolved';
  return [
    alertOf({
      source: 'azure',
      dedupeKey: alertId,
      status,
      name: optionalString(essentials, 'alertRule'),
      ...target,
      observedAt: isoTime(status === 'firing' ? essentials.firedDateTime : essentials.resolvedDateTime),
      receivedAt: ctx.receivedAt,
    }),
  ];
}
