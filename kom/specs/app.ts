import { pathToFileURL } from 'node:url';
import path from 'node:path';
import type { ResourceDocument } from '../documents';
import { quote } from '../errors';
import { MapReader } from '../field-reader';
import type { App, AppDeployment, AppIngress, AppIngressRule, ComposeSource } from '../model/app';
import { readFailoverPolicy } from './failover';
import { readNetworkPolicy } from './network-policy';
import { parentIdOf, resourceMeta } from './resource-meta';
import { readSnapshotPolicy } from './snapshots';
import { readAppVolumes } from './volumes';

const COMPOSE_FILE_PREFIX = 'file:';
const RULE_NAME = /^[a-z][-a-z0-9]{0,14}$/;
const HOST_NAME = /^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DEFAULT_POOL = 'user';

/** The namespace `k4x-<6>-<app>-<6>` is a DNS label of at most 63 characters. */
export const MAX_APP_NAME = 63 - 'k4x-'.length - 6 - 1 - 1 - 6;

export function readApp(document: ResourceDocument): App {
  const spec = document.spec;
  if (document.id.name.length > MAX_APP_NAME) {
    document.report.error(
      ['metadata', 'name'],
      `${quote(document.id.name)} is ${document.id.name.length} characters; an App name is at most ${MAX_APP_NAME}, as it is part of the app's namespace name (k4x-<hash>-<app>-<hash>)`,
    );
  }
  const app: App = {
    kind: 'App',
    ...resourceMeta(document),
    clusterId: parentIdOf(document),
    compose: readComposeSource(spec),
    refBase: document.origin.fromAppFile
      ? pathToFileURL(path.dirname(document.origin.file) + path.sep).href
      : '',
    ingress: readAppIngress(spec.map('ingress')),
    volumes: readAppVolumes(spec),
    deployment: readDeployment(spec.map('deployment')),
    networkPolicy: readNetworkPolicy(spec.map('networkPolicy')),
    resources: spec.stringMap('resources'),
    settings: spec.stringMap('settings'),
    failover: readFailoverPolicy(spec.map('failover')),
  };
  if (spec.has('snapshots')) app.snapshots = readSnapshotPolicy(spec.map('snapshots'));
  spec.finish('warning');
  return app;
}

function readComposeSource(spec: MapReader): ComposeSource {
  const text = spec.requiredString('compose') ?? '';
  if (text.startsWith(COMPOSE_FILE_PREFIX)) {
    const file = text.slice(COMPOSE_FILE_PREFIX.length).trim();
    if (file === '') spec.report.error(spec.at('compose'), 'file: needs a path, e.g. file:compose.yml');
    return { kind: 'file', path: file };
  }
  return { kind: 'inline', text };
}

function readAppIngress(ingress: MapReader): AppIngress {
  const result: AppIngress = { rules: [] };
  const certResolver = ingress.string('certResolver');
  if (certResolver !== undefined) result.certResolver = certResolver;
  const seenNames = new Set<string>();
  const seenPorts = new Set<number>();
  const seenHosts = new Set<string>();
  for (const item of ingress.list('rules')) {
    const rule = MapReader.of(ingress.report, item.value, item.path);
    const name = rule.requiredString('name');
    const port = rule.required('port') ? rule.int('port', { min: 1, max: 65535 }) : undefined;
    const hosts = rule.stringList('hosts') ?? [];
    rule.finish('error', ' (known: name, port, hosts)');
    if (name !== undefined && !RULE_NAME.test(name)) {
      rule.report.error(
        rule.at('name'),
        `${quote(name)} must be 1-15 characters: a lower-case letter, then letters, digits or '-'`,
      );
    } else if (name !== undefined && seenNames.has(name)) {
      rule.report.error(rule.at('name'), `${quote(name)} is used by another rule`);
    }
    if (port !== undefined && seenPorts.has(port))
      rule.report.error(rule.at('port'), `port ${port} is used by another rule`);
    hosts.forEach((host, index) => {
      if (!HOST_NAME.test(host))
        rule.report.error(rule.at('hosts').concat(index), `${quote(host)} is not a lower-case DNS name`);
      else if (seenHosts.has(host))
        rule.report.error(rule.at('hosts').concat(index), `${quote(host)} appears in two rules`);
      seenHosts.add(host);
    });
    if (name === undefined || port === undefined) continue;
    seenNames.add(name);
    seenPorts.add(port);
    const parsed: AppIngressRule = { name, port, hosts };
    result.rules.push(parsed);
  }
  ingress.finish('warning');
  return result;
}

function readDeployment(deployment: MapReader): AppDeployment {
  const pool = deployment.string('pool');
  const pools = deployment.stringList('pools');
  const zone = deployment.string('zone');
  const zones = deployment.stringList('zones');
  if (deployment.has('selectors')) {
    deployment.report.error(
      deployment.at('selectors'),
      'is reserved and not supported; use pool(s) and zone(s)',
    );
  }
  deployment.accept('selectors');
  deployment.finish('warning');
  if (pool !== undefined && pools !== undefined) {
    deployment.report.error(deployment.at('pools'), 'set either pool or pools, not both');
  }
  if (zone !== undefined && zones !== undefined) {
    deployment.report.error(deployment.at('zones'), 'set either zone or zones, not both');
  }
  for (const [key, list] of [
    ['pools', pools],
    ['zones', zones],
  ] as const) {
    if (list !== undefined && list.length === 0)
      deployment.report.error(deployment.at(key), 'must not be empty');
  }
  const result: AppDeployment = {
    pools: pools !== undefined && pools.length > 0 ? pools : [pool ?? DEFAULT_POOL],
    zones: zones ?? (zone !== undefined ? [zone] : []),
  };
  const initialZone = zone ?? zones?.[0];
  if (initialZone !== undefined) result.zone = initialZone;
  return result;
}
