// Loads the KOM project the way the reference does and turns the selected App into the
// AppTarget workflows receive. Invalid KOM or compose is a usage error (exit 2) raised before
// anything is started.
import {
  type AppContext,
  type Cluster,
  type KomIssue,
  formatKomIssue,
  isKomError,
  loadProject,
  resolveApp,
  resolveDefaultAppId,
} from '../kom';
import type { AppRevision } from '../api/app-revision';
import type { TemporalSecurityFlags } from '../client/temporal-connection';
import type { AppTarget, ClusterTarget } from '../api/app-target';
import { appKeyOf } from '../api/ids';
import { buildRevision } from './app-revision';
import { CliError, EXIT, usageError } from './exit-codes';

export interface GlobalOptions extends TemporalSecurityFlags {
  chdir?: string;
  kompoxRoot?: string;
  kompoxDir?: string;
  komPath?: string[];
  komApp?: string;
  appId?: string;
  appName?: string;
  /** Compose profiles (`--profile`, repeatable). */
  profile?: string[];
  temporalAddress?: string;
  namespace?: string;
}

export function printWarnings(warnings: readonly KomIssue[]): void {
  for (const w of warnings) process.stderr.write(`warning: ${formatKomIssue(w)}\n`);
}

/** Runs `fn` and turns KOM/compose errors into exit code 2 with every problem listed. */
export function withKomErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isKomError(err)) {
      printWarnings(err.warnings);
      throw new CliError(err.message, EXIT.usage);
    }
    throw err;
  }
}

/** The global flags that say where the KOM is. */
export function projectFlags(globals: GlobalOptions): {
  kompoxRoot?: string;
  kompoxDir?: string;
  komApp?: string;
  komPath?: string[];
} {
  return {
    ...(globals.kompoxRoot ? { kompoxRoot: globals.kompoxRoot } : {}),
    ...(globals.kompoxDir ? { kompoxDir: globals.kompoxDir } : {}),
    ...(globals.komApp ? { komApp: globals.komApp } : {}),
    ...(globals.komPath ? { komPath: globals.komPath } : {}),
  };
}

export function loadAppContext(globals: GlobalOptions): AppContext {
  return withKomErrors(() => {
    const project = loadProject({
      cwd: process.cwd(),
      env: process.env,
      flags: projectFlags(globals),
    });
    const appId = resolveDefaultAppId(project, {
      ...(globals.appId ? { appId: globals.appId } : {}),
      ...(globals.appName ? { appName: globals.appName } : {}),
    });
    const context = resolveApp(project, appId, globals.profile ? { profiles: globals.profile } : {});
    printWarnings([...project.warnings, ...context.warnings]);
    return context;
  });
}

export function appTargetOf(context: AppContext): AppTarget {
  const { app, provider, cluster, workspace } = context;
  return {
    appKey: appKeyOf(workspace.name, provider.name, app.name),
    appId: app.id,
    workspace: workspace.name,
    appName: app.name,
    provider: {
      id: provider.id,
      name: provider.name,
      driver: provider.driver,
      // Settings travel as they are: every payload is encrypted by the payload codec.
      settings: provider.settings,
    },
    cluster: clusterTargetOf(cluster),
    volumes: app.volumes.map((v) => ({
      name: v.name,
      sizeBytes: v.sizeBytes,
      type: v.type,
      options: v.options,
    })),
    ...(app.deployment.zone ? { deploymentZone: app.deployment.zone } : {}),
    ...(app.snapshots ? { snapshots: app.snapshots } : {}),
  };
}

/** What workflows need of a KOM Cluster. */
export function clusterTargetOf(cluster: Cluster): ClusterTarget {
  return { id: cluster.id, name: cluster.name, existing: cluster.existing, settings: cluster.settings };
}

/** A Cluster of the project by name or Resource ID, for commands that point at another one. */
export function loadCluster(globals: GlobalOptions, ref: string): Cluster {
  return withKomErrors(() => {
    const project = loadProject({ cwd: process.cwd(), env: process.env, flags: projectFlags(globals) });
    const found = project.clusters.filter((c) => c.id === ref || c.name === ref);
    if (found.length === 1) return found[0]!;
    const known = project.clusters.map((c) => c.id).join(', ') || 'none';
    throw usageError(
      found.length === 0
        ? `no Cluster "${ref}" in the KOM (Clusters: ${known})`
        : `Cluster name "${ref}" is ambiguous (${found.map((c) => c.id).join(', ')}): give its Resource ID`,
    );
  });
}

export function loadAppTarget(globals: GlobalOptions): AppTarget {
  return appTargetOf(loadAppContext(globals));
}

/** The app as a revision to send, and the target derived from it. */
export function loadAppRevision(globals: GlobalOptions): { target: AppTarget; revision: AppRevision } {
  const context = loadAppContext(globals);
  return { target: appTargetOf(context), revision: buildRevision(context) };
}
