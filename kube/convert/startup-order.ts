// `depends_on` → the order containers start in. A service others wait for runs as a native
// sidecar (an init container with restartPolicy: Always): Kubernetes starts init containers one
// by one and starts the next only once a sidecar's startup probe passes, so a database with a
// healthcheck is healthy before its app starts. A `service_completed_successfully` dependency is
// a one-off job: a plain init container that must exit 0 first.
import type { V1Container } from '@kubernetes/client-node';
import type { ComposeService } from '../../kom';
import { healthGateProbe } from './probes';

/** Native sidecars: on by default since Kubernetes 1.29 (beta), GA in 1.33. */
export const NATIVE_SIDECARS_SINCE = { major: 1, minor: 29 } as const;

export type StartupRole = 'job' | 'sidecar' | 'main';

export interface StartupPlan {
  /** Services that start before the main containers, in start order. */
  init: { service: ComposeService; role: 'job' | 'sidecar'; waitHealthy: boolean }[];
  main: ComposeService[];
  warnings: string[];
}

export function supportsNativeSidecars(version: { major: number; minor: number } | undefined): boolean {
  if (version === undefined) return true;
  return (
    version.major > NATIVE_SIDECARS_SINCE.major ||
    (version.major === NATIVE_SIDECARS_SINCE.major && version.minor >= NATIVE_SIDECARS_SINCE.minor)
  );
}

/** kom has checked there is no cycle and no service is both a job and a dependency. */
export function startupPlan(services: readonly ComposeService[], nativeSidecars: boolean): StartupPlan {
  const roles = new Map<string, StartupRole>();
  const waitHealthy = new Set<string>();
  for (const service of services) {
    for (const dependency of service.dependsOn) {
      const job = dependency.condition === 'service_completed_successfully';
      roles.set(dependency.service, job ? 'job' : 'sidecar');
      if (dependency.condition === 'service_healthy') waitHealthy.add(dependency.service);
    }
  }
  const warnings: string[] = [];
  const sidecars = services.filter((service) => roles.get(service.name) === 'sidecar');
  if (!nativeSidecars && sidecars.length > 0) {
    warnings.push(
      `depends_on ordering is not honoured: this cluster is older than Kubernetes ${NATIVE_SIDECARS_SINCE.major}.${NATIVE_SIDECARS_SINCE.minor}, which has no native sidecars, so ${sidecars.map((s) => `"${s.name}"`).join(', ')} start together with the services that wait for them`,
    );
    for (const sidecar of sidecars) roles.set(sidecar.name, 'main');
  }
  const ordered = topologicalOrder(
    services.filter((service) => roles.get(service.name) !== undefined && roles.get(service.name) !== 'main'),
  );
  return {
    init: ordered.map((service) => ({
      service,
      role: roles.get(service.name) === 'job' ? 'job' : 'sidecar',
      waitHealthy: waitHealthy.has(service.name),
    })),
    main: services.filter((service) => (roles.get(service.name) ?? 'main') === 'main'),
    warnings,
  };
}

/** Dependencies first; otherwise file order. */
function topologicalOrder(services: readonly ComposeService[]): ComposeService[] {
  const names = new Set(services.map((service) => service.name));
  const placed = new Set<string>();
  const ordered: ComposeService[] = [];
  while (ordered.length < services.length) {
    const next = services.find(
      (service) =>
        !placed.has(service.name) &&
        service.dependsOn.every(
          (dependency) => !names.has(dependency.service) || placed.has(dependency.service),
        ),
    );
    if (next === undefined) throw new Error('depends_on has a cycle; kom should have refused it');
    placed.add(next.name);
    ordered.push(next);
  }
  return ordered;
}

/** A service's container as an init container of its role. */
export function asInitContainer(
  container: V1Container,
  service: ComposeService,
  role: 'job' | 'sidecar',
  waitHealthy: boolean,
): V1Container {
  if (role === 'job') {
    // A plain init container may not have probes: it is done when it exits.
    const {
      readinessProbe: _readiness,
      startupProbe: _startup,
      livenessProbe: _liveness,
      ...job
    } = container;
    return job;
  }
  const sidecar: V1Container = { ...container, restartPolicy: 'Always' };
  // The next container starts once this probe passes: that is what "healthy first" needs.
  const probe =
    waitHealthy && service.healthcheck !== undefined ? healthGateProbe(service.healthcheck) : undefined;
  if (probe !== undefined) sidecar.startupProbe = probe;
  return sidecar;
}
