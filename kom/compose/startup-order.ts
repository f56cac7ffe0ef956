// What `depends_on` conditions require of the whole project, checked before rendering: a
// `service_healthy` dependency needs a healthcheck to wait for, dependencies cannot form a
// cycle, and a service cannot be both a one-off job and a long-running dependency.
import { quote } from '../errors';
import type { Reporter } from '../reporter';
import type { ComposeService } from './model';

export function checkStartupOrder(
  services: readonly ComposeService[],
  serviceReport: (name: string) => Reporter,
): void {
  const byName = new Map(services.map((service) => [service.name, service]));
  const jobs = new Set<string>();
  const longRunning = new Set<string>();
  for (const service of services) {
    for (const dependency of service.dependsOn) {
      const target = byName.get(dependency.service);
      if (target === undefined) continue;
      if (dependency.condition === 'service_completed_successfully') jobs.add(target.name);
      else longRunning.add(target.name);
      if (dependency.condition === 'service_healthy' && target.healthcheck === undefined) {
        serviceReport(service.name).error(
          ['depends_on', dependency.service],
          `waits for ${quote(dependency.service)} to be healthy, but ${quote(dependency.service)} has no healthcheck test; add one there, or use condition: service_started`,
        );
      }
    }
  }
  for (const name of jobs) {
    if (longRunning.has(name)) {
      serviceReport(name).error(
        [],
        'is depended on both to complete (service_completed_successfully) and to run (service_started/service_healthy); a container cannot be both a one-off job and a running service',
      );
    }
  }
  const cycle = findCycle(services);
  if (cycle !== undefined) {
    serviceReport(cycle[0] ?? '').error(
      ['depends_on'],
      `dependencies form a cycle (${cycle.join(' → ')}); no start order can satisfy it`,
    );
  }
}

/** One dependency cycle as service names (first repeated at the end), or undefined. */
function findCycle(services: readonly ComposeService[]): string[] | undefined {
  const edges = new Map(services.map((service) => [service.name, service.dependsOn.map((d) => d.service)]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const next of edges.get(name) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const service of services) {
    const cycle = visit(service.name);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}
