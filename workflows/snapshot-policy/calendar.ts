// Calendar days and ISO weeks of an instant in an IANA time zone, with Intl only (available in
// the Temporal workflow sandbox; no Node built-ins, no host time zone).

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export interface LocalDate {
  year: number;
  /** 1-12 */
  month: number;
  /** 1-31 */
  day: number;
}

/** The calendar date of `epochMs` on a wall clock in `timeZone`; throws RangeError for an unknown zone. */
export function localDate(epochMs: number, timeZone: string): LocalDate {
  const parts = formatterFor(timeZone).formatToParts(new Date(epochMs));
  const part = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value ?? Number.NaN);
  return { year: part('year'), month: part('month'), day: part('day') };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `2025-03-07`: the day `epochMs` falls on in `timeZone`. */
export function dayKey(epochMs: number, timeZone: string): string {
  const { year, month, day } = localDate(epochMs, timeZone);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

const DAY_MS = 86_400_000;

/** `2025-W10`: the ISO 8601 week (Monday first; week 1 holds the year's first Thursday). */
export function isoWeekKey(epochMs: number, timeZone: string): string {
  const { year, month, day } = localDate(epochMs, timeZone);
  const date = Date.UTC(year, month - 1, day);
  const weekday = (new Date(date).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = date + (3 - weekday) * DAY_MS;
  const isoYear = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(isoYear, 0, 1)) / (7 * DAY_MS));
  return `${pad(isoYear, 4)}-W${pad(week, 2)}`;
}
