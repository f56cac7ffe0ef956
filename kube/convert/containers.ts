// One compose service → one container of the app's pod (reference §3.4).
import type { V1Container, V1ContainerPort, V1EnvVar, V1ResourceRequirements } from '@kubernetes/client-node';
import type { ComposeService, ResourceAmounts } from '../../kom';
import { fileMounts, type ConfigObjects } from './config-objects';
import { probesOf } from './probes';
import { formatBytes, formatMillicores } from './quantities';
import { scratchVolumeMounts } from './scratch';
import { containerSecurityContext } from './security';
import { serviceVolumeMounts } from './volumes';

export function buildContainer(service: ComposeService, objects: ConfigObjects): V1Container {
  const container: V1Container = { name: service.kubeName, image: service.image };
  if (service.entrypoint !== undefined) container.command = service.entrypoint.map(escapeExpansion);
  if (service.command !== undefined) container.args = service.command.map(escapeExpansion);
  if (service.workingDir !== undefined) container.workingDir = service.workingDir;
  const env: V1EnvVar[] = Object.keys(service.environment)
    .sort()
    .map((name) => ({ name, value: escapeExpansion(service.environment[name] ?? '') }));
  if (env.length > 0) container.env = env;
  // env_file values stay in the Secret; `env` wins over `envFrom`, as `environment` wins over `env_file`.
  const envSecret = objects.envSecretsByService.get(service.name);
  if (envSecret !== undefined) container.envFrom = [{ secretRef: { name: envSecret.name } }];
  const ports: V1ContainerPort[] = distinctContainerPorts(service).map(({ port, protocol }) => ({
    containerPort: port,
    protocol,
  }));
  if (ports.length > 0) container.ports = ports;
  const resources = resourcesOf(service);
  if (resources !== undefined) container.resources = resources;
  const mounts = [
    ...serviceVolumeMounts(service),
    ...scratchVolumeMounts(service),
    ...fileMounts(service, objects),
  ];
  if (mounts.length > 0) container.volumeMounts = mounts;
  const securityContext = containerSecurityContext(service);
  if (securityContext !== undefined) container.securityContext = securityContext;
  Object.assign(container, probesOf(service.healthcheck));
  return container;
}

/**
 * Kubernetes expands `$(VAR)` in env values, command and args; compose has already done its own
 * interpolation, so what is left is literal. `$$` is Kubernetes' escape for `$`, and doubling
 * every `$` makes the expansion an identity. (The reference passes values through unescaped.)
 */
export function escapeExpansion(value: string): string {
  return value.replaceAll('$', '$$$$');
}

/** Every port the service listens on, once; the protocol is kept (the reference forces TCP). */
export function distinctContainerPorts(service: ComposeService): { port: number; protocol: string }[] {
  const ports = new Map<string, { port: number; protocol: string }>();
  for (const port of service.ports) {
    const protocol = port.protocol.toUpperCase();
    ports.set(`${port.containerPort}/${protocol}`, { port: port.containerPort, protocol });
  }
  return [...ports.values()];
}

/** deploy.resources and x-kompox (already merged by kom): reservations → requests, limits → limits. */
function resourcesOf(service: ComposeService): V1ResourceRequirements | undefined {
  const requests = amounts(service.resources.requests);
  const limits = amounts(service.resources.limits);
  if (requests === undefined && limits === undefined) return undefined;
  const resources: V1ResourceRequirements = {};
  if (limits !== undefined) resources.limits = limits;
  if (requests !== undefined) resources.requests = requests;
  return resources;
}

function amounts(source: ResourceAmounts): Record<string, string> | undefined {
  const result: Record<string, string> = {};
  if (source.cpuMillicores !== undefined) result.cpu = formatMillicores(source.cpuMillicores);
  if (source.memoryBytes !== undefined) result.memory = formatBytes(source.memoryBytes);
  return Object.keys(result).length > 0 ? result : undefined;
}
