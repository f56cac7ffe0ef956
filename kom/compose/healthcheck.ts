// Service `healthcheck:` → the shape Kubernetes probes are built from.
import { InvalidDurationError, parseDuration } from '../duration';
import { quote } from '../errors';
import { readStringList, type MapReader } from '../field-reader';
import type { Healthcheck } from './model';

const TEST_KINDS = ['CMD', 'CMD-SHELL', 'NONE'];

const DURATIONS = [
  ['interval', 'intervalMs'],
  ['timeout', 'timeoutMs'],
  ['start_period', 'startPeriodMs'],
  ['start_interval', 'startIntervalMs'],
] as const;

/** Undefined when there is none or it is disabled (`disable: true`, `test: ["NONE"]`). */
export function readHealthcheck(check: MapReader): Healthcheck | undefined {
  const disabled = check.bool('disable') ?? false;
  const test = readTest(check, disabled);
  const result: Healthcheck = { test: test ?? [] };
  for (const [key, field] of DURATIONS) {
    const text = check.string(key);
    if (text === undefined) continue;
    try {
      result[field] = parseDuration(text);
    } catch (error) {
      if (!(error instanceof InvalidDurationError)) throw error;
      check.report.error(check.at(key), error.message);
    }
  }
  const retries = check.int('retries', { min: 0 });
  if (retries !== undefined) result.retries = retries;
  check.finish('warning');
  if (disabled || test === undefined || test[0] === 'NONE') return undefined;
  return result;
}

function readTest(check: MapReader, disabled: boolean): string[] | undefined {
  const value = check.raw('test');
  if (value === undefined) {
    // Compose keeps the image's HEALTHCHECK and only retimes it; Kubernetes never runs image
    // healthchecks, so there is nothing to probe with.
    if (check.keys().length > 0 && !disabled) {
      check.report.warn(
        check.path,
        "has no test: under compose the image's own HEALTHCHECK runs, but Kubernetes ignores image healthchecks, so no probe is made and the timing fields are ignored; add test: to get a readiness probe",
      );
    }
    return undefined;
  }
  if (typeof value === 'string') return ['CMD-SHELL', value];
  const list = readStringList(check.report, check.at('test'), value);
  if (list === undefined) return undefined;
  const kind = list[0];
  if (kind === undefined || !TEST_KINDS.includes(kind)) {
    check.report.error(
      check.at('test'),
      `${quote(value)}: a list must start with "CMD", "CMD-SHELL" or "NONE"`,
    );
    return undefined;
  }
  if (kind !== 'NONE' && list.length < 2) {
    check.report.error(check.at('test'), `${quote(value)}: ${kind} needs a command after it`);
    return undefined;
  }
  return list;
}
