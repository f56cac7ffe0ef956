// A CloudWatch alarm delivered by an SNS Notification (the envelope's signature is checked
// before this runs). CloudWatch notifies on state changes only: ALARM is firing, OK resolved,
// INSUFFICIENT_DATA says nothing about the machine and yields no alert.
//
// Dedupe key: the alarm ARN, for firing and resolved alike. The OK message does not say when
// its ALARM episode began, so no key built from a start time could join the two; and since an
// alarm fires only on a change to ALARM, and SNS retries repeat the same message, one alarm
// has at most one episode open at a time. A firing after a resolved is the next episode; its
// observedAt (StateChangeTime) tells the two apart.
import type { NormalizedAlert } from '../../api/alert';
import { InvalidAlertError, isObject, optionalString, requireObject, requireString } from '../invalid-alert';
import { type NormalizeContext, alertOf, isoTime, targetOf } from './normalize-context';

/** CloudWatch dimensions, `[{name, value}]`, of a single-metric or a metric-math alarm. */
function dimensionLabels(trigger: unknown): Record<string, string> {
  if (!isObject(trigger)) return {};
  const lists: unknown[] = [trigger.Dimensions];
  if (Array.isArray(trigger.Metrics))
    for (const m of trigger.Metrics)
      if (isObject(m) && isObject(m.MetricStat) && isObject(m.MetricStat.Metric))
        lists.push(m.MetricStat.Metric.Dimensions);
  const labels: Record<string, string> = {};
  for (const list of lists)
    for (const d of Array.isArray(list) ? list : [])
      if (isObject(d) && typeof d.name === 'string' && typeof d.value === 'string' && d.value)
        labels[d.name] = d.value;
  return labels;
}

export function normalizeSns(body: unknown, ctx: NormalizeContext): NormalizedAlert[] {
  const envelope = requireObject(body, 'body');
  const text = requireString(envelope, 'Message', '');
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    throw new InvalidAlertError('Message: not a CloudWatch alarm (not JSON)');
  }
  const alarm = requireObject(message, 'Message');
  const path = 'Message.';
  const alarmName = requireString(alarm, 'AlarmName', path);
  const state = requireString(alarm, 'NewStateValue', path);
  if (state === 'INSUFFICIENT_DATA') return [];
  if (state !== 'ALARM' && state !== 'OK')
    throw new InvalidAlertError(
      `${path}NewStateValue: expected ALARM, OK or INSUFFICIENT_DATA, got ${state}`,
    );
  const arn = optionalString(alarm, 'AlarmArn');
  const region = optionalString(alarm, 'Region');
  if (!arn && !region)
    throw new InvalidAlertError(`${path}AlarmArn: expected the alarm's ARN (or at least its Region)`);
  return [
    alertOf({
      source: 'sns',
      dedupeKey: arn ?? `${region}/${alarmName}`,
      status: state === 'ALARM' ? 'firing' : 'resolved',
      name: alarmName,
      ...targetOf('sns', dimensionLabels(alarm.Trigger), ctx),
      observedAt: isoTime(alarm.StateChangeTime),
      receivedAt: ctx.receivedAt,
    }),
  ];
}
