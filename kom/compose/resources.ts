// CPU and memory of a service from `deploy.resources` (Docker units) and the reference's
// `x-kompox.resources` / `x-kompox.limits` (Kubernetes quantities). x-kompox wins where both
// set the same value; `deploy` keys that would change what runs are errors.
import { quote } from '../errors';
import { MapReader } from '../field-reader';
import { InvalidQuantityError, parseByteQuantity, parseCpuMillicores, parseDockerBytes } from '../quantity';
import type { ResourceAmounts, ServiceResources } from './model';

type Side = 'requests' | 'limits';

const IGNORED_DEPLOY_KEYS = [
  'restart_policy',
  'placement',
  'labels',
  'update_config',
  'rollback_config',
  'endpoint_mode',
];

export function readServiceResources(service: MapReader): ServiceResources {
  const resources: ServiceResources = { requests: {}, limits: {} };
  if (service.has('deploy')) readDeploy(service.map('deploy'), resources);
  else service.accept('deploy');
  if (service.has('x-kompox')) readKompoxExtension(service.map('x-kompox'), resources);
  else service.accept('x-kompox');
  return resources;
}

function readDeploy(deploy: MapReader, resources: ServiceResources): void {
  const replicas = deploy.int('replicas', { min: 0 });
  if (replicas !== undefined && replicas !== 1) {
    deploy.report.error(
      deploy.at('replicas'),
      `${replicas}: Kompox runs exactly one replica of every app; remove replicas: or set it to 1`,
    );
  }
  const mode = deploy.string('mode');
  if (mode !== undefined && mode !== 'replicated') {
    deploy.report.error(deploy.at('mode'), `${quote(mode)} is not supported; an app runs as one replica`);
  }
  for (const key of IGNORED_DEPLOY_KEYS) {
    if (deploy.has(key)) deploy.report.warn(deploy.at(key), 'is not supported and is ignored');
  }
  deploy.accept(...IGNORED_DEPLOY_KEYS);
  const section = deploy.map('resources');
  readDockerAmounts(section.map('reservations'), resources.requests);
  readDockerAmounts(section.map('limits'), resources.limits);
  section.finish('warning');
  deploy.finish('warning');
}

function readDockerAmounts(amounts: MapReader, into: ResourceAmounts): void {
  const cpus = amounts.raw('cpus');
  if (cpus !== undefined) parseInto(amounts, 'cpus', () => (into.cpuMillicores = parseCpuMillicores(cpus)));
  const memory = amounts.raw('memory');
  if (memory !== undefined) parseInto(amounts, 'memory', () => (into.memoryBytes = parseDockerBytes(memory)));
  if (amounts.has('devices')) {
    amounts.report.error(amounts.at('devices'), 'device reservations (GPUs) are not supported');
  }
  amounts.accept('devices');
  amounts.finish('warning');
}

function readKompoxExtension(extension: MapReader, resources: ServiceResources): void {
  const sides: [string, Side][] = [
    ['resources', 'requests'],
    ['limits', 'limits'],
  ];
  for (const [key, side] of sides) {
    const amounts = extension.map(key);
    const cpu = amounts.raw('cpu');
    const memory = amounts.raw('memory');
    const into = resources[side];
    const overrides = (field: keyof ResourceAmounts, name: string): void => {
      if (into[field] !== undefined) {
        amounts.report.warn(amounts.at(name), `overrides the value from deploy.resources`);
      }
    };
    if (cpu !== undefined) {
      overrides('cpuMillicores', 'cpu');
      parseInto(amounts, 'cpu', () => (into.cpuMillicores = parseCpuMillicores(cpu)));
    }
    if (memory !== undefined) {
      overrides('memoryBytes', 'memory');
      parseInto(amounts, 'memory', () => (into.memoryBytes = parseByteQuantity(memory)));
    }
    amounts.finish('warning');
  }
  extension.finish('warning', ' in x-kompox (known: resources, limits)');
}

function parseInto(reader: MapReader, key: string, parse: () => void): void {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof InvalidQuantityError)) throw error;
    reader.report.error(reader.at(key), error.message);
  }
}
