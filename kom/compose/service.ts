// One compose service → ComposeService. Fields Kompox does not support are reported: an error
// when dropping them would change what the app does, a warning when it would not.
import { InvalidDurationError, parseDuration } from '../duration';
import { quote } from '../errors';
import { isPlainMap, MapReader } from '../field-reader';
import { checkLocalPath, LOCAL_FILES_DENIED } from '../local-files';
import { readCommandLine } from './command-line';
import { readDependencies } from './dependencies';
import { envFileFormatOf } from './env-file';
import { readFileMounts, type ScalarSource } from './file-objects';
import { readExtraHosts } from './extra-hosts';
import { readHealthcheck } from './healthcheck';
import type { ComposeService, EnvFileRef, PortMapping, VolumeMount } from './model';
import { readPort } from './ports';
import { readServiceResources } from './resources';
import { checkRestart } from './restart';
import { readShmSize, readTmpfsField } from './scratch';
import { readSecurity } from './security';
import {
  isFileBindMount,
  isScratchMount,
  isVolumeMount,
  readVolumeMount,
  type VolumeContext,
} from './volumes';

export interface ServiceContext extends VolumeContext {
  /** Services that run (no profile, or a chosen one). */
  serviceNames: ReadonlySet<string>;
  /** Services left out by the chosen profiles, with their profiles. */
  inactiveServices: ReadonlyMap<string, string[]>;
  configNames: ReadonlySet<string>;
  secretNames: ReadonlySet<string>;
  scalarSource: ScalarSource;
}

/** Dropping these would change what runs: a pod cannot honour them, so refuse. */
const REFUSED: Record<string, (value: unknown) => string | undefined> = {
  network_mode: (value) =>
    value === 'host' || value === 'none'
      ? `${quote(value)} is not supported: all services share the pod's network; remove network_mode and publish what others need with ports:`
      : undefined,
  privileged: (value) =>
    value === true
      ? 'privileged containers are not supported; grant only the capabilities the service needs with cap_add'
      : undefined,
  pid: (value) => (value === 'host' ? hostNamespace('PID', 'pid') : undefined),
  ipc: (value) => (value === 'host' ? hostNamespace('IPC', 'ipc') : undefined),
  uts: (value) => (value === 'host' ? hostNamespace('UTS', 'uts') : undefined),
  userns_mode: (value) => (value === 'host' ? hostNamespace('user', 'userns_mode') : undefined),
  devices: (value) =>
    Array.isArray(value) && value.length > 0
      ? "host devices cannot be mounted: the app's pod may run on any node of its pool; remove devices:"
      : undefined,
  gpus: () => 'GPUs are not supported; remove gpus: (the app runs on CPU nodes)',
  extends: () => 'extends is not supported; write the service out in full',
  volumes_from: () => 'volumes_from is not supported; mount the same App volume in both services',
  scale: (value) =>
    value === 1 ? undefined : 'Kompox runs exactly one replica of every app; remove scale: or set it to 1',
};

function hostNamespace(kind: string, key: string): string {
  return `the host ${kind} namespace is not available to an app's pod; remove ${key}:`;
}

/** Values that ask for what the one pod gives anyway: `network_mode: service:db` shares db's network. */
const isWhatThePodGives = (key: string, value: unknown): boolean =>
  key === 'network_mode' && typeof value === 'string' && value.startsWith('service:');

/** Ignored with a warning: the app runs without them. */
const IGNORED = `
  annotations attach blkio_config cgroup cgroup_parent container_name cpu_count
  cpu_percent cpu_shares cpu_period cpu_quota cpu_rt_runtime cpu_rt_period cpus cpuset credential_spec
  develop device_cgroup_rules dns dns_opt dns_search domainname expose external_links
  hostname isolation labels label_file links logging mac_address mem_limit
  mem_reservation mem_swappiness memswap_limit networks oom_kill_disable oom_score_adj platform
  post_start pre_stop pull_policy runtime security_opt stdin_open
  stop_signal storage_opt tty ulimits models provider use_api_socket
`
  .trim()
  .split(/\s+/);

const HINTS: Record<string, string> = {
  cpus: '; use deploy.resources.limits.cpus or x-kompox.limits.cpu',
  mem_limit: '; use deploy.resources.limits.memory or x-kompox.limits.memory',
  mem_reservation: '; use deploy.resources.reservations.memory or x-kompox.resources.memory',
  links: ': services reach each other by name anyway',
  networks: ': all services share the pod network and reach each other by name',
  expose: ': services share the pod network',
};

export function readService(
  service: MapReader,
  name: string,
  kubeName: string,
  context: ServiceContext,
): ComposeService | undefined {
  reportUnsupported(service);
  const image = service.string('image');
  if (service.has('build')) {
    if (image === undefined) {
      service.report.error(
        service.at('build'),
        'build without image is not supported: build and push the image, then set image:',
      );
    } else {
      service.report.warn(service.at('build'), `is ignored; the image ${quote(image)} is used`);
    }
  } else if (image === undefined) {
    service.report.error(service.at('image'), 'is required');
  }
  service.accept('build');

  const mounts = collect(service, 'volumes', (item) =>
    readVolumeMount(service.report, item.path, item.value, context),
  );
  const result: ComposeService = {
    name,
    kubeName,
    image: image ?? '',
    environment: readEnvironment(service),
    envFiles: readEnvFiles(service, context.baseDir),
    ports: service.list('ports').flatMap((item) => readPort(service.report, item.path, item.value)),
    volumeMounts: mounts.filter(isVolumeMount),
    scratchMounts: [
      ...mounts.filter(isScratchMount),
      ...readTmpfsField(service),
      ...optional(readShmSize(service)),
    ],
    configs: [
      ...readFileMounts(service, 'configs', context.configNames, context.scalarSource),
      ...mounts.filter(isFileBindMount).map((mount) => ({ source: mount.config, target: mount.target })),
    ],
    secrets: readFileMounts(service, 'secrets', context.secretNames, context.scalarSource),
    dependsOn: readDependencies(service, name, context.serviceNames, context.inactiveServices),
    resources: readServiceResources(service),
    security: readSecurity(service),
    extraHosts: readExtraHosts(service),
  };
  const entrypoint = readCommandLine(service, 'entrypoint');
  if (entrypoint !== undefined) result.entrypoint = entrypoint;
  const command = readCommandLine(service, 'command');
  if (command !== undefined) result.command = command;
  if (service.has('healthcheck')) {
    const healthcheck = readHealthcheck(service.map('healthcheck'));
    if (healthcheck !== undefined) result.healthcheck = healthcheck;
  } else service.accept('healthcheck');
  const workingDir = service.string('working_dir');
  if (workingDir !== undefined) result.workingDir = workingDir;
  const stopGracePeriod = service.string('stop_grace_period');
  if (stopGracePeriod !== undefined) {
    try {
      result.stopGracePeriodMs = parseDuration(stopGracePeriod);
    } catch (error) {
      if (!(error instanceof InvalidDurationError)) throw error;
      service.report.error(service.at('stop_grace_period'), error.message);
    }
  }
  service.accept('profiles');
  // Other x-* keys are compose extension fields, often anchors for reuse: not ours to judge.
  service.accept(...service.keys().filter((key) => key.startsWith('x-')));
  service.finish('warning');
  dropVolumesShadowedByFiles(service, result);
  checkDuplicateTargets(service, result);
  return result;
}

function reportUnsupported(service: MapReader): void {
  for (const [key, refuse] of Object.entries(REFUSED)) {
    if (!service.has(key)) continue;
    const value = service.raw(key);
    const problem = refuse(value);
    if (problem !== undefined) service.report.error(service.at(key), problem);
    else if (!isWhatThePodGives(key, value))
      service.report.warn(service.at(key), `${quote(value)} is ignored`);
  }
  service.accept(...Object.keys(REFUSED));
  checkRestart(service);
  for (const key of IGNORED) {
    if (service.has(key))
      service.report.warn(service.at(key), `is not supported and is ignored${HINTS[key] ?? ''}`);
  }
  service.accept(...IGNORED);
}

function optional<T>(value: T | undefined): T[] {
  return value === undefined ? [] : [value];
}

function collect<T>(
  service: MapReader,
  key: string,
  read: (item: { value: unknown; path: readonly (string | number)[] }) => T | undefined,
): T[] {
  return service.list(key).flatMap((item) => {
    const value = read(item);
    return value === undefined ? [] : [value];
  });
}

/** `environment:` as a map or a `KEY=VALUE` list; sorted; keys without a value dropped. */
function readEnvironment(service: MapReader): Record<string, string> {
  const value = service.raw('environment');
  const entries: [string, unknown][] = [];
  if (Array.isArray(value)) {
    value.forEach((item: unknown, index) => {
      if (typeof item !== 'string') {
        service.report.error(
          service.at('environment').concat(index),
          `must be "KEY=VALUE", got ${quote(item)}`,
        );
        return;
      }
      const equals = item.indexOf('=');
      entries.push(equals === -1 ? [item, undefined] : [item.slice(0, equals), item.slice(equals + 1)]);
    });
  } else if (isPlainMap(value)) {
    entries.push(...Object.entries(value));
  } else if (value !== undefined) {
    service.report.error(
      service.at('environment'),
      `must be a mapping or a list of "KEY=VALUE", got ${quote(value)}`,
    );
  }
  const environment: Record<string, string> = {};
  for (const [key, item] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (item === undefined || item === null) {
      service.report.warn(
        service.at('environment'),
        `${key} has no value and is dropped; Kompox does not pass variables through from the shell`,
      );
    } else if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') {
      environment[key] = String(item);
    } else {
      service.report.error(
        service.at('environment'),
        `the value of ${key} must be a string, got ${quote(item)}`,
      );
    }
  }
  return environment;
}

function readEnvFiles(service: MapReader, baseDir: string | undefined): EnvFileRef[] {
  const value = service.raw('env_file');
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  const refs: EnvFileRef[] = [];
  items.forEach((item: unknown, index) => {
    const path = Array.isArray(value) ? service.at('env_file').concat(index) : service.at('env_file');
    let file: string | undefined;
    let required = true;
    if (typeof item === 'string') file = item;
    else if (isPlainMap(item)) {
      const entry = MapReader.of(service.report, item, path);
      file = entry.requiredString('path');
      required = entry.bool('required') ?? true;
      entry.accept('format');
      entry.finish('warning');
    } else {
      service.report.error(path, `must be a path or a mapping with path/required, got ${quote(item)}`);
      return;
    }
    if (file === undefined) return;
    if (baseDir === undefined) {
      service.report.error(path, `${quote(file)}: ${LOCAL_FILES_DENIED}`);
      return;
    }
    const checked = checkLocalPath(baseDir, file, { expect: 'file', optional: !required });
    if (!checked.ok) {
      service.report.error(path, checked.problem);
      return;
    }
    refs.push({ path: file, absolutePath: checked.absolutePath, required, format: envFileFormatOf(file) });
  });
  return refs;
}

/** As in the reference: a config/secret file wins over a volume mounted at the same path. */
function dropVolumesShadowedByFiles(service: MapReader, result: ComposeService): void {
  const fileTargets = new Set([...result.configs, ...result.secrets].map((mount) => mount.target));
  result.volumeMounts = result.volumeMounts.filter((mount: VolumeMount) => {
    if (!fileTargets.has(mount.mountPath)) return true;
    service.report.warn(
      service.at('volumes'),
      `the volume mount at ${quote(mount.mountPath)} is dropped: a config or secret is mounted there`,
    );
    return false;
  });
}

function checkDuplicateTargets(service: MapReader, result: ComposeService): void {
  const seen = new Set<string>();
  for (const target of [...result.configs, ...result.secrets].map((mount) => mount.target)) {
    if (seen.has(target))
      service.report.error(service.path, `two configs/secrets are mounted at ${quote(target)}`);
    seen.add(target);
  }
  const mountPaths = new Set<string>();
  for (const mount of [...result.volumeMounts, ...result.scratchMounts]) {
    if (mountPaths.has(mount.mountPath)) {
      service.report.error(service.at('volumes'), `two volumes are mounted at ${quote(mount.mountPath)}`);
    }
    mountPaths.add(mount.mountPath);
  }
}

/** TCP host ports: the ones an ingress rule can name. */
export function tcpHostPortsOf(ports: readonly PortMapping[]): number[] {
  return ports.flatMap((port) =>
    port.hostPort === undefined || port.protocol !== 'tcp' ? [] : [port.hostPort],
  );
}
