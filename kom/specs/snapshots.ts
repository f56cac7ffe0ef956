// spec.snapshots (a Kompox extension): schedule, consistency, hook, retention and off-region
// copy. Read strictly: a typo in a backup policy must not silently mean "no backups".
import { CronExpressionParser } from 'cron-parser';
import { InvalidDurationError, parseDuration } from '../duration';
import { quote } from '../errors';
import { MapReader } from '../field-reader';
import {
  HOOK_ERROR_ACTIONS,
  SNAPSHOT_CONSISTENCIES,
  type SnapshotHook,
  type SnapshotPolicy,
  type SnapshotRetention,
  type SnapshotSchedule,
} from '../model/snapshot-policy';

const MIN_INTERVAL_MS = 1000;
/** Every cloud's region names: us-east-1, westus2, us-central1, us-ashburn-1, local-2. */
const REGION_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DEFAULT_HOOK_TIMEOUT_SECONDS = 60;

export class InvalidScheduleError extends Error {
  override readonly name = 'InvalidScheduleError';
}

// One cron field: comma-separated `*`, `5`, `1-5`, `MON-FRI`, each optionally `/step`.
// Extensions like `H`, `L`, `#` and `?` are refused so every scheduler reads the same times.
const CRON_FIELD = /^(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/\d+)?)*$/;
const CRON_NAME = /^(\d+|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat)$/i;

/** `17 *\/6 * * *` or `@every 6h`; throws InvalidScheduleError saying what is wrong. */
export function parseSnapshotSchedule(text: string): SnapshotSchedule {
  const trimmed = text.trim();
  if (trimmed.startsWith('@every')) {
    const interval = trimmed.slice('@every'.length).trim();
    let everyMs: number;
    try {
      everyMs = parseDuration(interval);
    } catch (error) {
      if (error instanceof InvalidDurationError) {
        throw new InvalidScheduleError(`${quote(text)}: @every needs a duration such as 30s, 15m, 6h or 1d`);
      }
      throw error;
    }
    if (everyMs < MIN_INTERVAL_MS)
      throw new InvalidScheduleError(`${quote(text)}: the interval must be at least 1s`);
    return { kind: 'interval', everyMs, text: interval };
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5) {
    throw new InvalidScheduleError(
      `${quote(text)}: a cron schedule has 5 fields (minute hour day-of-month month day-of-week), e.g. "17 */6 * * *", or use "@every 6h"`,
    );
  }
  for (const field of fields) {
    const names = field.split(/[,\-/]/).filter((part) => part !== '*');
    if (!CRON_FIELD.test(field) || !names.every((name) => CRON_NAME.test(name))) {
      throw new InvalidScheduleError(`${quote(text)}: cron field ${quote(field)} is not supported`);
    }
  }
  try {
    CronExpressionParser.parse(fields.join(' '), { tz: 'UTC' });
  } catch (error) {
    throw new InvalidScheduleError(
      `${quote(text)}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return { kind: 'cron', expression: fields.join(' ') };
}

/** True for names the runtime's time zone database knows, e.g. `Europe/Berlin`, `UTC`. */
export function isKnownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export function readSnapshotPolicy(snapshots: MapReader): SnapshotPolicy {
  const policy: SnapshotPolicy = {
    timeZone: 'UTC',
    consistency: snapshots.enumOf('consistency', SNAPSHOT_CONSISTENCIES) ?? 'crash',
  };
  const scheduleText = snapshots.string('schedule');
  if (scheduleText !== undefined) {
    try {
      policy.schedule = parseSnapshotSchedule(scheduleText);
    } catch (error) {
      if (!(error instanceof InvalidScheduleError)) throw error;
      snapshots.report.error(snapshots.at('schedule'), `invalid schedule ${error.message}`);
    }
  }
  const timeZone = snapshots.string('timeZone');
  if (timeZone !== undefined) {
    if (isKnownTimeZone(timeZone)) policy.timeZone = timeZone;
    else {
      snapshots.report.error(
        snapshots.at('timeZone'),
        `unknown time zone ${quote(timeZone)}; use an IANA name such as "UTC" or "Europe/Berlin"`,
      );
    }
  }
  if (snapshots.has('hook')) {
    const hook = readHook(snapshots.map('hook'));
    if (policy.consistency !== 'hook') {
      snapshots.report.error(
        snapshots.at('hook'),
        `is only used with consistency: hook (consistency is ${policy.consistency})`,
      );
    } else if (hook !== undefined) policy.hook = hook;
  } else if (policy.consistency === 'hook') {
    snapshots.report.error(snapshots.at('hook'), 'is required with consistency: hook');
  }
  if (snapshots.has('retention')) policy.retention = readRetention(snapshots.map('retention'));
  // Whether the provider has the region is checked when the app is deployed and at each run.
  const copyToRegion = snapshots.string('copyToRegion');
  if (copyToRegion === '')
    snapshots.report.error(snapshots.at('copyToRegion'), 'must not be empty; remove it for no copy');
  else if (copyToRegion !== undefined && !REGION_NAME.test(copyToRegion))
    snapshots.report.error(
      snapshots.at('copyToRegion'),
      `${quote(copyToRegion)} is not a region name (lowercase letters, digits and -, e.g. us-east-1 or westus2)`,
    );
  else if (copyToRegion !== undefined) policy.copyToRegion = copyToRegion;
  snapshots.finish('error', ' (known: schedule, timeZone, consistency, hook, retention, copyToRegion)');
  return policy;
}

function readHook(hook: MapReader): SnapshotHook | undefined {
  const container = hook.requiredString('container');
  const pre = readCommand(hook, 'pre');
  const post = readCommand(hook, 'post');
  const timeoutSeconds = hook.int('timeoutSeconds', { min: 1 }) ?? DEFAULT_HOOK_TIMEOUT_SECONDS;
  const onError = hook.enumOf('onError', HOOK_ERROR_ACTIONS) ?? 'fail';
  hook.finish('error', ' (known: container, pre, post, timeoutSeconds, onError)');
  if (pre.length === 0 && post.length === 0) {
    hook.report.error(hook.path, 'needs a "pre" or "post" command, e.g. pre: ["sh", "-c", "sync"]');
  }
  return container === undefined ? undefined : { container, pre, post, timeoutSeconds, onError };
}

/** A command is an argv list; a plain string would leave the shell-or-not question open. */
function readCommand(hook: MapReader, key: 'pre' | 'post'): string[] {
  const value = hook.raw(key);
  if (value === undefined) return [];
  if (typeof value === 'string') {
    hook.report.error(hook.at(key), `must be a list (argv), e.g. ["sh", "-c", ${quote(value)}]`);
    return [];
  }
  const argv = hook.stringList(key) ?? [];
  if (Array.isArray(value) && value.length === 0)
    hook.report.error(hook.at(key), 'must not be empty; remove it instead');
  return argv;
}

function readRetention(retention: MapReader): SnapshotRetention {
  const result: SnapshotRetention = {};
  for (const key of ['keepLast', 'keepDaily', 'keepWeekly'] as const) {
    const count = retention.int(key, { min: 0 });
    if (count !== undefined) result[key] = count;
  }
  const maxAge = retention.string('maxAge');
  if (maxAge !== undefined) {
    try {
      const ms = parseDuration(maxAge);
      if (ms <= 0)
        retention.report.error(retention.at('maxAge'), `must be longer than zero, got ${quote(maxAge)}`);
      else {
        result.maxAge = maxAge;
        result.maxAgeMs = ms;
      }
    } catch (error) {
      if (!(error instanceof InvalidDurationError)) throw error;
      retention.report.error(retention.at('maxAge'), error.message);
    }
  }
  retention.finish('error', ' (known: keepLast, keepDaily, keepWeekly, maxAge)');
  if (Object.keys(result).length === 0 && retention.keys().length === 0) {
    retention.report.error(
      retention.path,
      'is empty; set keepLast, keepDaily, keepWeekly or maxAge, or remove it',
    );
  }
  return result;
}
