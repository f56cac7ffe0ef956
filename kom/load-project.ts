// loadProject: discovery, then every KOM document of the project, validated all-or-nothing.
import fs from 'node:fs';
import { profilesFromEnv } from './compose/profiles';
import { displayPathFrom } from './display-path';
import { locateProject, selectKomSources, type DiscoveryOptions } from './discovery';
import { readKomFile, type KomDocument, type ResourceDocument } from './documents';
import { KomIssues, quote } from './errors';
import type { LoadedProject } from './model/project';
import { readProjectConfig } from './project-config';
import { scanKomSources } from './scan';
import { readApp } from './specs/app';
import { readBox } from './specs/box';
import { readCluster } from './specs/cluster';
import { readDefaults } from './specs/defaults';
import { readProvider } from './specs/provider';
import { readWorkspace } from './specs/workspace';
import { validateDocumentSet } from './validate';

/** Locates and loads a project; throws KomError listing every problem found. */
export function loadProject(options: DiscoveryOptions): LoadedProject {
  const location = locateProject(options);
  const display = displayPathFrom(location.cwd);
  const issues = new KomIssues();

  const documents: KomDocument[] = [];
  const files: string[] = [];
  let appFileReal: string | undefined;
  if (location.appFile !== undefined) {
    appFileReal = fs.realpathSync(location.appFile);
    files.push(appFileReal);
    const text = fs.readFileSync(appFileReal, 'utf8');
    documents.push(
      ...readKomFile(
        { file: appFileReal, displayPath: display(location.appFile), text, fromAppFile: true },
        issues,
      ),
    );
  }
  // The app file's Defaults may name the KOM sources, so it is read before scanning them.
  const defaultsDocument = documents.find((document) => document.kind === 'Defaults');
  const defaults = defaultsDocument === undefined ? undefined : readDefaults(defaultsDocument);
  const config = readProjectConfig(location.kompoxDir, issues, display);
  const komSources = selectKomSources(
    location,
    options,
    { defaultsKomPath: defaults?.komPath ?? [], configKomPath: config?.komPath ?? [] },
    issues,
    display,
  );
  for (const scanned of scanKomSources(komSources.paths, issues, display)) {
    if (scanned.file === appFileReal) continue;
    files.push(scanned.file);
    documents.push(
      ...readKomFile(
        { file: scanned.file, displayPath: display(scanned.file), text: scanned.text, fromAppFile: false },
        issues,
      ),
    );
  }

  const validated = validateDocumentSet(documents);
  const project: LoadedProject = {
    cwd: location.cwd,
    root: location.root,
    kompoxDir: location.kompoxDir,
    komSources,
    files,
    workspaces: [],
    providers: [],
    clusters: [],
    apps: [],
    boxes: [],
    composeProfiles: profilesFromEnv(options.env),
    warnings: [],
  };
  if (location.appFile !== undefined) project.appFile = location.appFile;
  for (const document of validated.resources) addResource(project, document);
  if (defaults !== undefined) {
    project.defaults = defaults;
    checkDefaultAppId(project, defaultsDocument);
  }
  issues.throwIfErrors();
  project.warnings = issues.warnings;
  return project;
}

function addResource(project: LoadedProject, document: ResourceDocument): void {
  switch (document.kind) {
    case 'Workspace':
      project.workspaces.push(readWorkspace(document));
      break;
    case 'Provider':
      project.providers.push(readProvider(document));
      break;
    case 'Cluster':
      project.clusters.push(readCluster(document));
      break;
    case 'App':
      project.apps.push(readApp(document));
      break;
    case 'Box':
      project.boxes.push(readBox(document));
      break;
  }
}

function checkDefaultAppId(project: LoadedProject, document: KomDocument | undefined): void {
  const appId = project.defaults?.appId;
  if (appId === undefined || document === undefined) return;
  if (!project.apps.some((app) => app.id === appId)) {
    document.report.error(['spec', 'appId'], `App ${quote(appId)} is not declared in any loaded KOM file`);
  }
}
