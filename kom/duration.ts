// Durations as people write them in KOM and compose files: `30s`, `15m`, `6h`, `90d`, `1h30m`,
// `1.5s`, `500ms`. Go's syntax (which compose uses for healthchecks) plus days and weeks.

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const TERM = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;

export class InvalidDurationError extends Error {
  override readonly name = 'InvalidDurationError';
  constructor(readonly text: string) {
    super(
      `invalid duration ${JSON.stringify(text)}: write a number and a unit (ms, s, m, h, d, w), e.g. 30s, 15m, 6h, 90d or 1h30m`,
    );
  }
}

/** Milliseconds in `text`; throws InvalidDurationError. `parseDuration('90d')` is 7,776,000,000. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '') throw new InvalidDurationError(text);
  let total = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < trimmed.length) {
    const start = TERM.lastIndex;
    const match = TERM.exec(trimmed);
    if (match === null || match.index !== start) throw new InvalidDurationError(text);
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
  }
  const ms = Math.round(total);
  if (!Number.isSafeInteger(ms)) throw new InvalidDurationError(text);
  return ms;
}

/** `7776000000` → `90d`; the largest unit that divides evenly, for messages and round trips. */
export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit] ?? 1;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
