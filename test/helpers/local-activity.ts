// A local activity leaves no ActivityTask events in a history, only the marker its worker records
// when it completes: tests that read activities from histories read these markers too.
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const MARKER = 'core_local_activity';

/** The activity type and final attempt of a local activity's marker; undefined for any other event. */
export function localActivityRun(e: HistoryEvent): { type: string; attempt: number } | undefined {
  const m = e.markerRecordedEventAttributes;
  if (m?.markerName !== MARKER) return undefined;
  const raw = m.details?.data?.payloads?.[0]?.data;
  if (!raw) return undefined;
  const data = JSON.parse(Buffer.from(raw).toString('utf8')) as { activity_type?: string; attempt?: number };
  return data.activity_type ? { type: data.activity_type, attempt: data.attempt ?? 1 } : undefined;
}
