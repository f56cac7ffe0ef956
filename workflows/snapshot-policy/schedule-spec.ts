// KOM `spec.snapshots.schedule` → the spec of the app's Temporal Schedule (DESIGN.md §6
// "Schedules"). Pure: the shapes are plain objects assignable to `ScheduleSpec` from
// `@temporalio/client` (which workflow code may not import; the unit tests check the fit).
import type { SnapshotSchedule } from '../../kom/model/snapshot-policy';
import { cronShortestGapMs, parseCron, toTemporalCronExpressions } from './cron';

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
/** Bounds of the catch-up window: never shorter than a minute, never longer than a day. */
export const CATCHUP_MIN_MS = MINUTE_MS;
export const CATCHUP_MAX_MS = DAY_MS;
/** Jitter is a tenth of the interval, at most five minutes. */
export const JITTER_FRACTION = 0.1;
export const JITTER_MAX_MS = 5 * MINUTE_MS;

/** The subset of `@temporalio/client` ScheduleSpec we produce; durations in milliseconds. */
export interface SnapshotScheduleSpec {
  cronExpressions?: string[];
  intervals?: { every: number }[];
  /** IANA zone the cron fields are read in (Temporal's default is UTC). */
  timezone?: string;
  jitter?: number;
}

/**
 * The Temporal ScheduleSpec for a KOM schedule.
 *
 * - cron: `cronExpressions` in canonical numeric form (two expressions when both day fields are
 *   restricted, see `toTemporalCronExpressions`) and `timezone` = `timeZone`. Temporal matches
 *   wall-clock times literally, so in a zone with daylight saving a 02:30 slot is skipped on the
 *   spring-forward day and runs twice on the fall-back day (an hour apart in UTC, so the second
 *   run gets its own UTC-derived name: one extra snapshot, nothing lost). Prefer slots outside
 *   01:00-03:00 local time in such zones.
 * - `@every`: one interval of `everyMs` milliseconds. Temporal anchors intervals at the Unix
 *   epoch in UTC, so the time zone does not apply and is left out.
 *
 * Both carry `jitter` = `jitterFor(schedule)` so apps on the same schedule do not all hit the
 * cloud API in the same second.
 */
export function toScheduleSpec(schedule: SnapshotSchedule, timeZone = 'UTC'): SnapshotScheduleSpec {
  const jitter = jitterFor(schedule);
  if (schedule.kind === 'interval') {
    return { intervals: [{ every: schedule.everyMs }], ...(jitter > 0 ? { jitter } : {}) };
  }
  return {
    cronExpressions: toTemporalCronExpressions(parseCron(schedule.expression)),
    timezone: timeZone,
    ...(jitter > 0 ? { jitter } : {}),
  };
}

/**
 * The nominal spacing of a schedule in milliseconds: `everyMs` for `@every`, the shortest gap
 * between consecutive fire times for cron (wall clock; daylight saving ignored). Undefined for a
 * cron that (almost) never fires, e.g. `0 0 31 2 *`.
 */
export function scheduleIntervalMs(schedule: SnapshotSchedule): number | undefined {
  if (schedule.kind === 'interval') return schedule.everyMs;
  // Sampling a cron takes tens of milliseconds; the answer depends only on the text.
  if (!cronGaps.has(schedule.expression)) {
    cronGaps.set(schedule.expression, cronShortestGapMs(parseCron(schedule.expression)));
  }
  return cronGaps.get(schedule.expression);
}

const cronGaps = new Map<string, number | undefined>();

/**
 * How late a missed run may still start after a Temporal outage: about one interval, clamped to
 * [1 minute, 1 day]. A run later than that would collide with the next slot anyway; with overlap
 * SKIP a long outage yields one catch-up snapshot, not a burst (as snapscheduler and Velero do).
 */
export function catchupWindowFor(schedule: SnapshotSchedule): number {
  const interval = scheduleIntervalMs(schedule) ?? CATCHUP_MAX_MS;
  return Math.min(CATCHUP_MAX_MS, Math.max(CATCHUP_MIN_MS, interval));
}

/** Random start delay Temporal adds to each run: min(10% of the interval, 5 minutes), whole ms. */
export function jitterFor(schedule: SnapshotSchedule): number {
  const interval = scheduleIntervalMs(schedule) ?? CATCHUP_MAX_MS;
  return Math.min(JITTER_MAX_MS, Math.floor(interval * JITTER_FRACTION));
}
