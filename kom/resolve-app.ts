// resolveApp: one App with its ancestors and its compose project, checked against each other
// (volumes, ingress ports, hook container). Local file policy and compose validity are checked
// here rather than at load time, as in the reference, so one broken App does not block the
// others in a shared KOM directory.
import fs from 'node:fs';
import { loadCompose } from './compose/load-compose';
import type { ComposeProject } from './compose/model';
import type { Variables } from './compose/interpolate';
import { tcpHostPortsOf } from './compose/service';
import { describeResource } from './documents';
import { displayPathFrom } from './display-path';
import { KomError, KomIssues, quote } from './errors';
import { checkLocalPath, localBaseDir, LOCAL_FILES_DENIED } from './local-files';
import type { App } from './model/app';
import type { AppContext, LoadedProject } from './model/project';
import type { Cluster } from './model/resources';
import { Reporter } from './reporter';

export interface ResolveAppOptions {
  /** Variables for compose interpolation (the reference uses none); `.env` fills the gaps. */
  variables?: Variables;
  /**
   * Compose profiles to run (`--profile`); default: the project's COMPOSE_PROFILES. Services
   * with no profile always run; `*` chooses every profile.
   */
  profiles?: readonly string[];
}

export function resolveApp(
  project: LoadedProject,
  appId: string,
  options: ResolveAppOptions = {},
): AppContext {
  const display = displayPathFrom(project.cwd);
  const app = project.apps.find((candidate) => candidate.id === appId);
  if (app === undefined) {
    throw new KomError([
      {
        severity: 'error',
        file: project.appFile ?? project.cwd,
        message: `App ${quote(appId)} is not declared in any loaded KOM file`,
      },
    ]);
  }
  const cluster = project.clusters.find((candidate) => candidate.id === app.clusterId);
  const provider = project.providers.find((candidate) => candidate.id === cluster?.providerId);
  const workspace = project.workspaces.find((candidate) => candidate.id === provider?.workspaceId);
  if (cluster === undefined || provider === undefined || workspace === undefined) {
    // loadProject checks parents; reaching this means the project object was assembled by hand.
    throw new Error(`App ${appId}: its cluster, provider or workspace is missing from the project`);
  }

  const issues = new KomIssues();
  const appReport = new Reporter(issues, {
    file: display(app.origin.file),
    document: app.origin.document,
    subject: describeResource('App', app.id),
  });
  const baseDir = localBaseDir(app.refBase);
  const profiles = [...new Set(options.profiles ?? project.composeProfiles)].sort();
  const source = readComposeSource(app, baseDir, appReport, display);
  let compose: ComposeProject = { source: source?.label ?? '', services: [], configs: [], secrets: [] };
  if (source !== undefined) {
    compose = loadCompose(
      {
        text: source.text,
        source: source.label,
        // As in the reference, compose paths resolve against the app file's directory.
        ...(baseDir !== undefined ? { baseDir } : {}),
        variables: options.variables ?? {},
        appVolumes: app.volumes.map((volume) => volume.name),
        profiles,
      },
      issues,
    );
    checkAppAgainstCompose(app, cluster, compose, appReport);
  }
  issues.throwIfErrors();
  const context: AppContext = {
    workspace,
    provider,
    cluster,
    app: withHookContainerName(app, compose),
    boxes: project.boxes.filter((box) => box.appId === app.id),
    compose,
    refBase: app.refBase,
    profiles,
    warnings: issues.warnings,
  };
  if (source?.file !== undefined) context.composeFile = source.file;
  return context;
}

interface ComposeText {
  text: string;
  label: string;
  file?: string;
}

function readComposeSource(
  app: App,
  baseDir: string | undefined,
  report: Reporter,
  display: (file: string) => string,
): ComposeText | undefined {
  if (app.compose.kind === 'inline') {
    return {
      text: app.compose.text,
      label: `${display(app.origin.file)} (document ${app.origin.document}) spec.compose`,
    };
  }
  const reference = app.compose.path;
  if (baseDir === undefined) {
    report.error(
      ['spec', 'compose'],
      `file:${reference}: ${LOCAL_FILES_DENIED}; inline the compose YAML instead`,
    );
    return undefined;
  }
  const checked = checkLocalPath(baseDir, reference, { expect: 'file' });
  if (!checked.ok) {
    report.error(['spec', 'compose'], checked.problem);
    return undefined;
  }
  return {
    text: fs.readFileSync(checked.absolutePath, 'utf8'),
    label: display(checked.absolutePath),
    file: checked.absolutePath,
  };
}

function checkAppAgainstCompose(app: App, cluster: Cluster, compose: ComposeProject, report: Reporter): void {
  const serviceNames = compose.services.map((service) => service.name);
  // The Deployment and ingress Service are `<app>-app`, a box `<app>-box`: a headless Service
  // of that name would clash with them.
  for (const service of compose.services) {
    const reserved = [`${app.name}-app`, `${app.name}-box`].find((prefix) =>
      service.kubeName.startsWith(prefix),
    );
    if (reserved !== undefined) {
      report.issues.error(
        { file: compose.source, service: service.name },
        `the name starts with ${quote(reserved)}, which Kompox keeps for its own objects of App ${quote(app.name)}; rename the service`,
      );
    }
  }
  const hook = app.snapshots?.hook;
  const hookService = compose.services.find(
    (service) => service.name === hook?.container || service.kubeName === hook?.container,
  );
  if (hook !== undefined && hookService === undefined) {
    report.error(
      ['spec', 'snapshots', 'hook', 'container'],
      `${quote(hook.container)} is not a compose service (services: ${serviceNames.join(', ')})`,
    );
  }
  const hostPorts = new Map<number, number>();
  for (const service of compose.services) {
    for (const port of service.ports) {
      // Ingress routes HTTP, so only TCP ports can be rule ports.
      if (port.hostPort !== undefined && port.protocol === 'tcp')
        hostPorts.set(port.hostPort, port.containerPort);
    }
  }
  const ruleOfContainerPort = new Map<number, string>();
  app.ingress.rules.forEach((rule, index) => {
    const at = ['spec', 'ingress', 'rules', index];
    const containerPort = hostPorts.get(rule.port);
    if (containerPort === undefined) {
      const published = compose.services.flatMap((service) => tcpHostPortsOf(service.ports));
      report.error(
        at.concat('port'),
        `${rule.port} is not a TCP host port published in compose (published: ${published.join(', ') || 'none'})`,
      );
      return;
    }
    const other = ruleOfContainerPort.get(containerPort);
    if (other !== undefined) {
      report.error(
        at.concat('port'),
        `rules ${quote(other)} and ${quote(rule.name)} both lead to container port ${containerPort}`,
      );
    }
    ruleOfContainerPort.set(containerPort, rule.name);
    const domain = cluster.ingress.domain;
    rule.hosts.forEach((host, hostIndex) => {
      if (domain !== undefined && (host === domain || host.endsWith(`.${domain}`))) {
        report.error(
          at.concat('hosts', hostIndex),
          `${quote(host)} is under the cluster domain ${quote(domain)}, whose hosts Kompox generates; use a custom domain`,
        );
      }
    });
  });
}

/**
 * The hook is exec'd in a container, whose name is the service's Kubernetes name: a hook that
 * names `front_end` runs in container `front-end`. The project's App is left as loaded.
 */
function withHookContainerName(app: App, compose: ComposeProject): App {
  const hook = app.snapshots?.hook;
  if (app.snapshots === undefined || hook === undefined) return app;
  const service = compose.services.find((candidate) => candidate.name === hook.container);
  if (service === undefined || service.kubeName === hook.container) return app;
  return { ...app, snapshots: { ...app.snapshots, hook: { ...hook, container: service.kubeName } } };
}
