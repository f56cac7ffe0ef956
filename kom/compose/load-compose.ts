// A compose file → ComposeProject: interpolate, read every service, then check what only the
// whole project can tell (port clashes inside the one Pod).
import fs from 'node:fs';
import path from 'node:path';
import { KomIssues, quote } from '../errors';
import { isPlainMap, MapReader } from '../field-reader';
import { checkLocalPath } from '../local-files';
import { Reporter } from '../reporter';
import { dnsLabelProblem } from '../resource-id';
import { parseYamlDocuments, type FieldPath } from '../yaml-source';
import { parseEnvFile } from './env-file';
import { readFileObjects } from './file-objects';
import { interpolateTree, type Variables } from './interpolate';
import type { ComposeProject, ComposeService } from './model';
import { readService } from './service';

export interface ComposeInput {
  text: string;
  /** Display name for messages: the compose file's path, or where inline compose came from. */
  source: string;
  /** Directory local references resolve against; undefined when they are not allowed. */
  baseDir?: string;
  /** Variables for interpolation; a `.env` in baseDir fills in the ones not given here. */
  variables: Variables;
  /** App volume names in declaration order. */
  appVolumes: readonly string[];
}

const IGNORED_TOP_LEVEL = ['networks', 'models'];

/** Reads a compose project; problems go to `issues` (the caller decides when to throw). */
export function loadCompose(input: ComposeInput, issues: KomIssues): ComposeProject {
  const project: ComposeProject = { source: input.source, services: [], configs: [], secrets: [] };
  const parsed = parseYamlDocuments(input.text, { mergeKeys: true });
  for (const error of parsed.errors) {
    issues.error(
      { file: input.source, ...(error.line !== undefined ? { line: error.line } : {}) },
      `invalid YAML: ${error.message}`,
    );
  }
  const documents = parsed.documents.filter(
    (document) => document.value !== null && document.value !== undefined,
  );
  const document = documents[0];
  const report = new Reporter(issues, { file: input.source }, document?.lineOf);
  if (documents.length > 1) report.error([], 'a compose file holds one YAML document; merge the documents');
  if (document === undefined) {
    if (parsed.errors.length === 0)
      report.error([], 'the compose file is empty; it needs a services: section');
    return project;
  }
  const serviceReport = (name: string): Reporter => report.with({ service: name }, ['services', name]);

  const variables = { ...readDotEnv(input, report), ...definedOnly(input.variables) };
  const interpolated = interpolateTree(document.value, variables, (fieldPath, problem) => {
    const [section, name, ...rest] = fieldPath;
    const [target, relative] =
      section === 'services' && typeof name === 'string' ? [serviceReport(name), rest] : [report, fieldPath];
    if (problem.severity === 'error') target.error(relative, problem.message);
    else target.warn(relative, problem.message);
  });
  if (!isPlainMap(interpolated)) {
    report.error([], `a compose file must be a mapping with a services: section, got ${quote(interpolated)}`);
    return project;
  }

  const top = MapReader.of(report, interpolated, []);
  if (top.has('version')) top.report.warn(['version'], 'is obsolete and ignored');
  if (top.has('include')) top.report.error(['include'], 'is not supported; put every service in this file');
  for (const key of IGNORED_TOP_LEVEL) {
    if (top.has(key)) top.report.warn([key], 'is not supported and is ignored');
  }
  top.accept('version', 'include', ...IGNORED_TOP_LEVEL);
  const name = top.string('name');
  if (name !== undefined) project.name = name;
  checkDeclaredVolumes(top.map('volumes'), input.appVolumes);
  project.configs = readFileObjects(top, 'configs', input.baseDir);
  project.secrets = readFileObjects(top, 'secrets', input.baseDir);

  const services = top.map('services');
  if (services.keys().length === 0) report.error(['services'], 'at least one service is required');
  const shared = {
    appVolumes: input.appVolumes,
    baseDir: input.baseDir,
    serviceNames: new Set(services.keys()),
    configNames: new Set(project.configs.map((object) => object.name)),
    secretNames: new Set(project.secrets.map((object) => object.name)),
  };
  for (const serviceName of services.keys()) {
    const reader = MapReader.of(serviceReport(serviceName), services.raw(serviceName), []);
    const problem = dnsLabelProblem(serviceName);
    if (problem !== undefined) {
      reader.report.error(
        [],
        `the service name ${problem}; it names a container and a Service in Kubernetes`,
      );
      continue;
    }
    const scalarSource = (fieldPath: FieldPath) =>
      document.scalarSource(['services', serviceName, ...fieldPath]);
    const service = readService(reader, serviceName, { ...shared, scalarSource });
    if (service !== undefined) project.services.push(service);
  }
  // Top-level x-* keys are extension fields (often anchors); everything else is unknown.
  top.accept(...top.keys().filter((key) => key.startsWith('x-')));
  top.finish('warning');
  checkPortClashes(project.services, serviceReport);
  return project;
}

/** Top-level `volumes:` may only name App volumes; driver options have no meaning here. */
function checkDeclaredVolumes(volumes: MapReader, appVolumes: readonly string[]): void {
  for (const name of volumes.keys()) {
    if (!appVolumes.includes(name)) {
      volumes.report.error(
        volumes.at(name),
        `volume ${quote(name)} is not declared in App spec.volumes; add it there`,
      );
      continue;
    }
    const options = volumes.map(name);
    if (options.keys().length > 0) {
      options.report.warn(
        options.path,
        'volume options are ignored: the App spec.volumes entry defines the volume',
      );
    }
    options.accept(...options.keys());
  }
}

/** All services share one Pod, so a container port or host port may be used only once. */
function checkPortClashes(
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

/** The `.env` next to the compose file, used only for interpolation. */
function readDotEnv(input: ComposeInput, report: Reporter): Record<string, string> {
  if (input.baseDir === undefined) return {};
  const checked = checkLocalPath(input.baseDir, '.env', { expect: 'file', optional: true });
  if (!checked.ok) {
    report.error([], `.env: ${checked.problem}`);
    return {};
  }
  if (!checked.exists) return {};
  const parsed = parseEnvFile(fs.readFileSync(checked.absolutePath, 'utf8'), 'env');
  const envFile = path.join(path.dirname(input.source), '.env');
  for (const problem of parsed.problems) {
    report.issues.error(
      { file: envFile, ...(problem.line !== undefined ? { line: problem.line } : {}) },
      problem.message,
    );
  }
  return parsed.values;
}

function definedOnly(variables: Variables): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(variables)) if (value !== undefined) result[key] = value;
  return result;
}
