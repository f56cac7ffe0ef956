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
  const startupProbe = (healthcheck.startPeriodMs ?? 0) > 0 ? startupProbeOf(healthcheck) : undefined;
  if (startupProbe !== undefined) probes.startupProbe = startupProbe;
  return probes;
}

function startupProbeOf(healthcheck: Healthcheck): V1Probe | undefined {
  const exec = execOf(healthcheck.test);
  if (exec === undefined) return undefined;
  const periodSeconds = toSeconds(healthcheck.startIntervalMs ?? HEALTHCHECK_DEFAULTS.startIntervalMs);
  const retries = Math.max(1, healthcheck.retries ?? HEALTHCHECK_DEFAULTS.retries);
  return {
    exec,
    periodSeconds,
    timeoutSeconds: toSeconds(healthcheck.timeoutMs ?? HEALTHCHECK_DEFAULTS.timeoutMs),
    failureThreshold: Math.ceil(toSeconds(healthcheck.startPeriodMs ?? 0) / periodSeconds) + retries,
    successThreshold: 1,
  };
}

/**
 * The startup probe of a `service_healthy` dependency: it holds back the services that wait for
 * it, and allows as long as compose would wait before calling it unhealthy: start_period, then
 * `retries` failed checks `interval` apart. Polled every `start_interval`, so the wait ends soon
 * after the service is healthy.
 */
export function healthGateProbe(healthcheck: Healthcheck): V1Probe | undefined {
  const probe = startupProbeOf(healthcheck);
  if (probe === undefined) return undefined;
  const periodSeconds = probe.periodSeconds ?? 1;
  const retries = Math.max(1, healthcheck.retries ?? HEALTHCHECK_DEFAULTS.retries);
  const budgetMs =
    (healthcheck.startPeriodMs ?? 0) + retries * (healthcheck.intervalMs ?? HEALTHCHECK_DEFAULTS.intervalMs);
  return { ...probe, failureThreshold: Math.max(1, Math.ceil(budgetMs / 1000 / periodSeconds)) };
}

/** `CMD argv…` runs as is; `CMD-SHELL cmd` through /bin/sh -c, as Docker does on Linux. */
function execOf(test: readonly string[]): V1ExecAction | undefined {
  const [kind, ...rest] = test;
  if (kind === 'CMD' && rest.length > 0) return { command: rest };
  if (kind === 'CMD-SHELL' && rest.length > 0) return { command: ['/bin/sh', '-c', rest.join(' ')] };
  return undefined;
}
