// Compose `healthcheck:` → probes. Docker compose only marks an unhealthy container and never
// restarts it, so the healthcheck becomes a readiness probe (traffic and rollout status follow
// it) and, deliberately, no liveness probe: killing a database that is slow under load or in
// crash recovery is worse than what the app had under compose. `start_period` becomes a startup
// probe that polls every `start_interval` and gives the container start_period plus `retries`
// misses to come up, after which it is restarted.
import type { V1ExecAction, V1Probe } from '@kubernetes/client-node';
import type { Healthcheck } from '../../kom';
import { toSeconds } from './quantities';

/** Docker's defaults for a healthcheck that does not set them. */
export const HEALTHCHECK_DEFAULTS = {
  intervalMs: 30_000,
  timeoutMs: 30_000,
  retries: 3,
  startIntervalMs: 5_000,
} as const;

export interface Probes {
  readinessProbe?: V1Probe;
  startupProbe?: V1Probe;
}

export function probesOf(healthcheck: Healthcheck | undefined): Probes {
  if (healthcheck === undefined) return {};
  const exec = execOf(healthcheck.test);
  if (exec === undefined) return {};
  const timeoutSeconds = toSeconds(healthcheck.timeoutMs ?? HEALTHCHECK_DEFAULTS.timeoutMs);
  const retries = Math.max(1, healthcheck.retries ?? HEALTHCHECK_DEFAULTS.retries);
  const probes: Probes = {
    readinessProbe: {
      exec,
      periodSeconds: toSeconds(healthcheck.intervalMs ?? HEALTHCHECK_DEFAULTS.intervalMs),
      timeoutSeconds,
      failureThreshold: retries,
      successThreshold: 1,
    },
  };
  const startPeriodMs = healthcheck.startPeriodMs ?? 0;
  if (startPeriodMs > 0) {
    const periodSeconds = toSeconds(healthcheck.startIntervalMs ?? HEALTHCHECK_DEFAULTS.startIntervalMs);
    probes.startupProbe = {
      exec: { command: [...(exec.command ?? [])] },
      periodSeconds,
      timeoutSeconds,
      failureThreshold: Math.ceil(toSeconds(startPeriodMs) / periodSeconds) + retries,
      successThreshold: 1,
    };
  }
  return probes;
}

/** `CMD argv…` runs as is; `CMD-SHELL cmd` through /bin/sh -c, as Docker does on Linux. */
function execOf(test: readonly string[]): V1ExecAction | undefined {
  const [kind, ...rest] = test;
  if (kind === 'CMD' && rest.length > 0) return { command: rest };
  if (kind === 'CMD-SHELL' && rest.length > 0) return { command: ['/bin/sh', '-c', rest.join(' ')] };
  return undefined;
}
