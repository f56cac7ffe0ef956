// A compose file → ComposeProject: interpolate, read every service, then check what only the
// whole project can tell (see pod-checks.ts and startup-order.ts).
import fs from 'node:fs';
import path from 'node:path';
import { KomIssues, quote } from '../errors';
import {
  collisionMessage,
  dnsLabelOf,
  isHostAlias,
  MappedNames,
  mappedNameProblem,
  serviceKubeName,
} from '../kube-name';
import { isPlainMap, MapReader } from '../field-reader';
import { checkLocalPath } from '../local-files';
import { Reporter } from '../reporter';
import { parseYamlDocuments, type FieldPath } from '../yaml-source';
import { parseEnvFile } from './env-file';
import { FileBinds } from './file-binds';
import { readFileObjects } from './file-objects';
import {
  checkExtraHostClashes,
  checkPortClashes,
  checkSysctlClashes,
  warnAboutSharedInit,
} from './pod-checks';
import { inactiveServices } from './profiles';
import { interpolateTree, type Variables } from './interpolate';
import type { ComposeProject } from './model';
import { readService } from './service';
import { checkStartupOrder } from './startup-order';
import { undeclaredVolumeMessage } from './volume-messages';

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
  /** Chosen compose profiles; services in other profiles are left out. */
  profiles?: readonly string[];
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

  if (isVersion1(interpolated)) {
    // Said once: every other message would only follow from reading it as the current format.
    report.error(
      [],
      'this is a version 1 compose file (services at the top level, no services: section); Kompox reads the current Compose format: move the services under services:',
    );
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
  const reportedVolumes = new Set<string>();
  checkDeclaredVolumes(top.map('volumes'), input.appVolumes, reportedVolumes);
  project.configs = readFileObjects(top, 'configs', input.baseDir);
  project.secrets = readFileObjects(top, 'secrets', input.baseDir);

  const services = top.map('services');
  if (services.keys().length === 0) report.error(['services'], 'at least one service is required');
  const inactive = inactiveServices(services.value, input.profiles ?? [], serviceReport);
  const activeNames = services.keys().filter((name) => !inactive.has(name));
  const shared = {
    appVolumes: input.appVolumes,
    baseDir: input.baseDir,
    reportedVolumes,
    fileBinds: new FileBinds(new Set(top.map('configs').keys().map(dnsLabelOf))),
    serviceNames: new Set(activeNames),
    inactiveServices: inactive,
    // Every declared name, valid or not: a bad entry is reported once, not again per reference.
    configNames: new Set(top.map('configs').keys()),
    secretNames: new Set(top.map('secrets').keys()),
  };
  const serviceKubeNames = new MappedNames();
  for (const serviceName of activeNames) {
    const reader = MapReader.of(serviceReport(serviceName), services.raw(serviceName), []);
    const kubeName = checkServiceName(reader.report, serviceName, serviceKubeNames);
    if (kubeName === undefined) continue;
    const scalarSource = (fieldPath: FieldPath) =>
      document.scalarSource(['services', serviceName, ...fieldPath]);
    const service = readService(reader, serviceName, kubeName, { ...shared, scalarSource });
    if (service !== undefined) project.services.push(service);
  }
  project.configs.push(...shared.fileBinds.objects());
  // Top-level x-* keys are extension fields (often anchors); everything else is unknown.
  top.accept(...top.keys().filter((key) => key.startsWith('x-')));
  top.finish('warning');
  checkPortClashes(project.services, serviceReport);
  checkSysctlClashes(project.services, serviceReport);
  checkExtraHostClashes(project.services, serviceReport);
  checkStartupOrder(project.services, serviceReport);
  warnAboutSharedInit(project.services, serviceReport);
  return project;
}

/**
 * The container and Service name of a compose service, or undefined when it cannot have one.
 * Siblings reach a renamed service by its compose name only where the converter can alias it
 * (see hostAliases); a name with `_` cannot be a host name, so the user is told.
 */
function checkServiceName(report: Reporter, name: string, seen: MappedNames): string | undefined {
  const kubeName = serviceKubeName(name);
  const problem = mappedNameProblem(name, kubeName);
  if (problem !== undefined) {
    report.error([], `the service name ${problem}; it names a container and a Service in Kubernetes`);
    return undefined;
  }
  const other = seen.claim(name, kubeName);
  if (other !== undefined) {
    report.error([], collisionMessage('services', name, other, kubeName));
    return undefined;
  }
  if (kubeName !== name && !isHostAlias(name)) {
    report.warn(
      [],
      `is container and Service ${quote(kubeName)} in Kubernetes; other services must reach it as ${quote(kubeName)}, since ${quote(name)} is not a valid host name there`,
    );
  }
  return kubeName;
}

/**
 * Top-level `volumes:` may only name App volumes (in either spelling); driver options have no
 * meaning here. Two names that map to one App volume would share its data, so they are refused.
 */
function checkDeclaredVolumes(
  volumes: MapReader,
  appVolumes: readonly string[],
  reportedVolumes: Set<string>,
): void {
  const seen = new MappedNames();
  for (const name of volumes.keys()) {
    const mapped = dnsLabelOf(name);
    const other = seen.claim(name, mapped);
    if (other !== undefined) {
      volumes.report.error(volumes.at(name), collisionMessage('volumes', name, other, mapped));
      continue;
    }
    if (!appVolumes.includes(mapped)) {
      volumes.report.error(volumes.at(name), undeclaredVolumeMessage(name, appVolumes));
      reportedVolumes.add(mapped);
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

/** Version 1 files have no `services:`; their top-level keys are services with an image or build. */
function isVersion1(document: Record<string, unknown>): boolean {
  if ('services' in document) return false;
  return Object.values(document).some((value) => isPlainMap(value) && ('image' in value || 'build' in value));
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
