// Figures of a benchmark's timed runs: nearest-rank percentiles, as the benches print them.

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

export function summary(ms: number[]): { median: number; p90: number; min: number; max: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    median: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    min: sorted[0] ?? NaN,
    max: sorted.at(-1) ?? NaN,
  };
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Seconds, right-aligned in a column of 9. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`.padStart(9);
}

/**
 * The Temporal path's times against the plain path's: a median/p90/min/max table and the ratio
 * line, with `goal` (the highest median ratio wanted) said met or not when given.
 */
export function comparisonLines(temporalMs: number[], plainMs: number[], goal?: number): string[] {
  const t = summary(temporalMs);
  const p = summary(plainMs);
  const ratio = t.median / p.median;
  const row = (label: string, s: typeof t) =>
    `${label.padEnd(18)}${seconds(s.median)}${seconds(s.p90)}${seconds(s.min)}${seconds(s.max)}`;
  return [
    `${''.padEnd(18)}${'median'.padStart(9)}${'p90'.padStart(9)}${'min'.padStart(9)}${'max'.padStart(9)}`,
    row('through Temporal', t),
    row('plain functions', p),
    `ratio Temporal/plain: median ${ratio.toFixed(3)}x` +
      (goal === undefined ? '' : ` (goal <= ${goal}${ratio <= goal ? ', met' : ', NOT met'})`) +
      `, p90 ${(t.p90 / p.p90).toFixed(3)}x; overhead at the median ${((t.median - p.median) / 1000).toFixed(2)} s`,
  ];
}
