// What the services of one project must agree on because they share one pod: ports, sysctls,
// the pod's process namespace and its hosts file.
import { quote } from '../errors';
import type { Reporter } from '../reporter';
import type { ComposeService } from './model';

/** All services share one Pod, so a container port or host port may be used only once. */
export function checkPortClashes(
  services: readonly ComposeService[],
  serviceReport: (name: string) => Reporter,
): void {
  const containerPorts = new Map<string, string>();
  const hostPorts = new Map<string, string>();
  for (const service of services) {
    for (const port of service.ports) {
      const containerKey = `${port.containerPort}/${port.protocol}`;
      const containerOwner = containerPorts.get(containerKey);
      if (containerOwner !== undefined && containerOwner !== service.name) {
        serviceReport(service.name).error(
          ['ports'],
          `container port ${containerKey} is also used by service ${quote(containerOwner)}; services share one Pod, so container ports must differ`,
        );
      }
      containerPorts.set(containerKey, service.name);
      if (port.hostPort === undefined) continue;
      const hostKey = `${port.hostPort}/${port.protocol}`;
      const hostOwner = hostPorts.get(hostKey);
      if (hostOwner !== undefined) {
        serviceReport(service.name).error(
          ['ports'],
          `host port ${hostKey} is already published by service ${quote(hostOwner)}`,
        );
      }
      hostPorts.set(hostKey, service.name);
    }
  }
}

/** Sysctls are set for the whole pod: two services may not want different values. */
export function checkSysctlClashes(
  services: readonly ComposeService[],
  serviceReport: (name: string) => Reporter,
): void {
  checkOneValuePerPod(
    services,
    serviceReport,
    'sysctls',
    (service) => Object.entries(service.security.sysctls),
    {
      clash: (name, value, other) =>
        `${name}=${value} differs from ${quote(other.value)} in service ${quote(other.service)}; services share one pod, whose sysctls are set once`,
    },
  );
}

/**
 * `init: true` becomes the pod's shared process namespace, which every container of the pod
 * gets: none of them runs as PID 1 any more, which images built around an init of their own
 * (s6-overlay, as in linuxserver.io images) refuse.
 */
export function warnAboutSharedInit(
  services: readonly ComposeService[],
  serviceReport: (name: string) => Reporter,
): void {
  const withInit = services.find((service) => service.security.init === true);
  if (withInit === undefined || services.length < 2) return;
  const others = services.filter((service) => service !== withInit).map((service) => quote(service.name));
  serviceReport(withInit.name).warn(
    ['init'],
    `is honoured for the whole pod (a shared process namespace whose first process reaps zombies): ${others.join(', ')} no longer run as PID 1 either, which images with their own init (s6-overlay) refuse`,
  );
}

/** One /etc/hosts for the pod: a host name may have one address. */
export function checkExtraHostClashes(
  services: readonly ComposeService[],
  serviceReport: (name: string) => Reporter,
): void {
  checkOneValuePerPod(
    services,
    serviceReport,
    'extra_hosts',
    (service) => service.extraHosts.map((entry) => [entry.host, entry.ip]),
    {
      clash: (host, ip, other) =>
        `${host} is ${ip} here but ${other.value} in service ${quote(other.service)}; services share one pod, whose hosts file is one`,
    },
  );
}

/** Reports a key a later service sets to another value than an earlier one did. */
function checkOneValuePerPod(
  services: readonly ComposeService[],
  serviceReport: (name: string) => Reporter,
  field: string,
  entriesOf: (service: ComposeService) => [string, string][],
  messages: { clash: (key: string, value: string, other: { service: string; value: string }) => string },
): void {
  const owners = new Map<string, { service: string; value: string }>();
  for (const service of services) {
    for (const [key, value] of entriesOf(service)) {
      const owner = owners.get(key);
      if (owner !== undefined && owner.value !== value) {
        serviceReport(service.name).error([field], messages.clash(key, value, owner));
      }
      owners.set(key, { service: service.name, value });
    }
  }
}
