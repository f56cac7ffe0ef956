// A small five-field cron reader for the schedules KOM accepts (`kom/specs/snapshots.ts`):
// comma lists of `*`, `n`, `a-b` and names (JAN-DEC, SUN-SAT), each with an optional `/step`.
// Pure and deterministic so workflow code may use it; the KOM loader has already validated the
// text with cron-parser, and the unit tests check that both read the same fire times.
//
// Day matching follows cron-parser (and Vixie cron): when both day-of-month and day-of-week are
// restricted (not `*`), a day matches if EITHER matches; otherwise both must match.

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export class InvalidCronError extends Error {
  override readonly name = 'InvalidCronError';
}

interface FieldSpec {
  label: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Offset added to a name's index: months are 1-based, days of week 0-based. */
  nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { label: 'minute', min: 0, max: 59 },
  { label: 'hour', min: 0, max: 23 },
  { label: 'day-of-month', min: 1, max: 31 },
  { label: 'month', min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  // 7 is Sunday too; folded to 0 below.
  { label: 'day-of-week', min: 0, max: 7, names: DAY_NAMES, nameBase: 0 },
];

/** A parsed cron expression: the sorted values each field allows. */
export interface CronSchedule {
  minutes: readonly number[];
  hours: readonly number[];
  daysOfMonth: readonly number[];
  months: readonly number[];
  /** 0 = Sunday … 6 = Saturday. */
  daysOfWeek: readonly number[];
  /** The field was written as something other than `*` (decides the day OR/AND rule). */
  dayOfMonthRestricted: boolean;
  dayOfWeekRestricted: boolean;
}

export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new InvalidCronError(`${JSON.stringify(expression)}: expected 5 fields`);
  const sets = parts.map((text, i) => parseField(text, FIELDS[i] as FieldSpec, expression));
  const daysOfWeek = [...new Set((sets[4] as number[]).map((d) => d % 7))].sort((a, b) => a - b);
  return {
    minutes: sets[0] as number[],
    hours: sets[1] as number[],
    daysOfMonth: sets[2] as number[],
    months: sets[3] as number[],
    daysOfWeek,
    dayOfMonthRestricted: parts[2] !== '*',
    dayOfWeekRestricted: parts[4] !== '*',
  };
}

function parseField(text: string, spec: FieldSpec, expression: string): number[] {
  const fail = (why: string): never => {
    throw new InvalidCronError(`${JSON.stringify(expression)}: ${spec.label} ${JSON.stringify(text)} ${why}`);
  };
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [range = '', stepText, extra] = item.split('/');
    if (extra !== undefined) fail('has more than one /');
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) fail('needs a positive step');
      step = Number(stepText);
    }
    let start: number;
    let end: number;
    if (range === '*') {
      start = spec.min;
      end = spec.max;
    } else {
      const [a = '', b, more] = range.split('-');
      if (more !== undefined) fail('has a malformed range');
      start = fieldValue(a, spec, fail);
      // `5/15` means 5, 20, 35, 50: from the value to the end of the field.
      end = b !== undefined ? fieldValue(b, spec, fail) : stepText !== undefined ? spec.max : start;
      if (start > end) fail('has a range that runs backwards');
    }
    for (let v = start; v <= end; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

function fieldValue(text: string, spec: FieldSpec, fail: (why: string) => never): number {
  let value: number;
  if (/^\d+$/.test(text)) value = Number(text);
  else {
    const index = spec.names?.indexOf(text.toLowerCase()) ?? -1;
    if (index < 0) return fail(`has an unknown value ${JSON.stringify(text)}`);
    value = index + (spec.nameBase ?? 0);
  }
  if (value < spec.min || value > spec.max) fail(`is outside ${spec.min}-${spec.max}`);
  return value;
}

function dayMatches(cron: CronSchedule, date: Date): boolean {
  const dom = cron.daysOfMonth.includes(date.getUTCDate());
  const dow = cron.daysOfWeek.includes(date.getUTCDay());
  return cron.dayOfMonthRestricted && cron.dayOfWeekRestricted ? dom || dow : dom && dow;
}

const MINUTE_MS = 60_000;

/**
 * The first fire time strictly after `after`, or undefined if there is none up to `until`.
 * Times are wall-clock milliseconds read with the UTC calendar: pass real UTC instants for a UTC
 * schedule, or "local wall clock as if it were UTC" to measure spacing in another zone.
 */
export function nextCronTime(cron: CronSchedule, after: number, until: number): number | undefined {
  let t = Math.floor(after / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  while (t <= until) {
    const d = new Date(t);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth();
    const day = d.getUTCDate();
    const hour = d.getUTCHours();
    if (!cron.months.includes(month + 1)) t = Date.UTC(year, month + 1, 1);
    else if (!dayMatches(cron, d)) t = Date.UTC(year, month, day + 1);
    else if (!cron.hours.includes(hour)) t = Date.UTC(year, month, day, hour + 1);
    else {
      const minute = cron.minutes.find((m) => m >= d.getUTCMinutes());
      if (minute === undefined) t = Date.UTC(year, month, day, hour + 1);
      else {
        const fire = Date.UTC(year, month, day, hour, minute);
        return fire <= until ? fire : undefined;
      }
    }
  }
  return undefined;
}

// Sampling bounds for cronShortestGapMs: enough fires to see a daily pattern of minute-level
// schedules, a horizon long enough to see leap days twice.
const GAP_SAMPLE_FIRES = 2000;
const GAP_HORIZON_MS = 9 * 366 * 86_400_000;
// 2000-01-01 is a Saturday in a leap year; any fixed start keeps the answer deterministic.
const GAP_SAMPLE_START = Date.UTC(2000, 0, 1) - MINUTE_MS;

/**
 * The shortest wall-clock gap between two consecutive fire times, or undefined when the
 * expression fires fewer than twice in the sampled horizon (for example `0 0 31 2 *`).
 * Daylight-saving shifts are ignored: this measures the schedule's nominal spacing.
 */
export function cronShortestGapMs(cron: CronSchedule): number | undefined {
  const until = GAP_SAMPLE_START + GAP_HORIZON_MS;
  let previous = nextCronTime(cron, GAP_SAMPLE_START, until);
  let shortest: number | undefined;
  for (let i = 0; previous !== undefined && i < GAP_SAMPLE_FIRES; i++) {
    const next = nextCronTime(cron, previous, until);
    if (next === undefined) break;
    const gap = next - previous;
    if (shortest === undefined || gap < shortest) shortest = gap;
    if (shortest <= MINUTE_MS) break;
    previous = next;
  }
  return shortest;
}

/** `[0, 6, 12, 18]` → `0,6,12,18`; `[1,2,3,4,5]` → `1-5`; the full field → `*`. */
function formatField(values: readonly number[], min: number, max: number): string {
  if (values.length === max - min + 1) return '*';
  const parts: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && (values[j + 1] as number) === (values[j] as number) + 1) j++;
    const first = values[i] as number;
    const last = values[j] as number;
    if (j === i) parts.push(String(first));
    else if (j === i + 1) parts.push(`${first},${last}`);
    else parts.push(`${first}-${last}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * Cron strings with plain numeric lists that mean the same to Temporal as `cron` means to
 * cron-parser. Temporal ANDs day-of-month with day-of-week (its docs say the OR special case
 * "is not implemented"), so a schedule restricting both becomes two expressions whose union is
 * the OR. Numeric lists also avoid relying on Temporal reading names, `7` or `a/step` alike.
 */
export function toTemporalCronExpressions(cron: CronSchedule): string[] {
  const minute = formatField(cron.minutes, 0, 59);
  const hour = formatField(cron.hours, 0, 23);
  const dom = formatField(cron.daysOfMonth, 1, 31);
  const month = formatField(cron.months, 1, 12);
  const dow = formatField(cron.daysOfWeek, 0, 6);
  if (cron.dayOfMonthRestricted && cron.dayOfWeekRestricted) {
    const both = [`${minute} ${hour} ${dom} ${month} *`, `${minute} ${hour} * ${month} ${dow}`];
    return [...new Set(both)];
  }
  return [`${minute} ${hour} ${dom} ${month} ${dow}`];
}
