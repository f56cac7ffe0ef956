// The app's one Deployment: every compose service a container of one pod, one replica,
// Recreate (an RWO disk can be attached to one node at a time), scheduled next to its disks.
import type { V1Container, V1Deployment, V1HostAlias, V1PodSpec } from '@kubernetes/client-node';
import { isHostAlias, type ComposeProject } from '../../kom';
import { fileVolumes, referencedContentHashes, type ConfigObjects } from './config-objects';
import { buildContainer } from './containers';
import type { SeedObjects } from './directory-seed';
import { shortHash } from './hash';
import { ANNOTATION, componentLabels, selectorLabels } from './labels';
import type { AppNames } from './names';
import { toSeconds } from './quantities';
import { scratchVolumes } from './scratch';
import { podSecurityContext, sharesProcessNamespace } from './security';
import { nodeAffinity, type Placement } from './scheduling';
import { asInitContainer, type StartupPlan } from './startup-order';
import type { VolumeBinding } from './types';
import { claimVolumes, subPathInitContainer } from './volumes';

export function buildDeployment(
  compose: ComposeProject,
  names: AppNames,
  objects: ConfigObjects,
  bindings: readonly VolumeBinding[],
  placement: Placement,
  startup: StartupPlan,
  seeds: SeedObjects,
): V1Deployment {
  const containers: V1Container[] = startup.main.map((service) => buildContainer(service, objects));
  const ordered = startup.init.map(({ service, role, waitHealthy }) =>
    asInitContainer(buildContainer(service, objects), service, role, waitHealthy),
  );
  const pod: V1PodSpec = {
    affinity: { nodeAffinity: nodeAffinity(placement) },
    // Compose apps never had Kubernetes API credentials, nor service-link variables
    // (WIKI_APP_PORT=tcp://…), which can collide with the app's own; both off, unlike the
    // reference, which keeps the defaults.
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    containers,
  };
  const securityContext = podSecurityContext(compose.services);
  if (securityContext !== undefined) pod.securityContext = securityContext;
  if (sharesProcessNamespace(compose.services)) pod.shareProcessNamespace = true;
  const hostAliases = hostAliasesOf(compose);
  if (hostAliases.length > 0) pod.hostAliases = hostAliases;
  // Sub-directories exist before any service, including the ones others wait for, starts.
  const init = subPathInitContainer(compose.services);
  // Then bound directories get their files, before any service sees them.
  const initContainers = [...(init !== undefined ? [init] : []), ...seeds.initContainers, ...ordered];
  if (initContainers.length > 0) pod.initContainers = initContainers;
  const volumes = [
    ...claimVolumes(compose.services, bindings),
    ...scratchVolumes(compose.services),
    ...seeds.volumes,
    ...fileVolumes(compose.services, objects),
  ];
  if (volumes.length > 0) pod.volumes = volumes;
  const grace = Math.max(0, ...compose.services.map((service) => service.stopGracePeriodMs ?? 0));
  if (grace > 0) pod.terminationGracePeriodSeconds = toSeconds(grace);

  // The reference patches this annotation after apply; computing it here restarts the pod when
  // an env file, config or secret it mounts changes (subPath mounts never see updates).
  const contentHashes = compose.services.flatMap((service) => referencedContentHashes(service, objects));
  const templateAnnotations =
    contentHashes.length > 0 ? { [ANNOTATION.contentHash]: shortHash(contentHashes.join('\0')) } : undefined;

  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: names.componentName, namespace: names.namespace, labels: componentLabels(names) },
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selectorLabels(names) },
      template: {
        metadata: {
          labels: componentLabels(names),
          ...(templateAnnotations !== undefined ? { annotations: templateAnnotations } : {}),
        },
        spec: pod,
      },
    },
  };
}

/**
 * Compose names of services renamed for Kubernetes (`2fa` → `svc-2fa`) that are still valid host
 * names: every service is in this one pod, so its compose name resolves to localhost as it did
 * through compose's network.
 */
function composeNameAliases(compose: ComposeProject): string[] {
  return compose.services
    .filter((service) => service.name.toLowerCase() !== service.kubeName && isHostAlias(service.name))
    .map((service) => service.name.toLowerCase())
    .sort();
}

/** The pod's extra /etc/hosts entries: renamed services on localhost, then extra_hosts, by IP. */
function hostAliasesOf(compose: ComposeProject): V1HostAlias[] {
  const byIp = new Map<string, Set<string>>();
  const add = (ip: string, host: string) => byIp.set(ip, (byIp.get(ip) ?? new Set()).add(host));
  for (const host of composeNameAliases(compose)) add('127.0.0.1', host);
  for (const entry of compose.services.flatMap((service) => service.extraHosts)) add(entry.ip, entry.host);
  return [...byIp.keys()].sort().map((ip) => ({ ip, hostnames: [...(byIp.get(ip) ?? [])].sort() }));
}
