// The app as it will run at a migration's destination: the same app key and disks' scope, on
// the destination Cluster when the move changes clusters. Pure, so the workflow and the
// activities derive the same target.
import type { AppRevision } from './app-revision';
import type { AppTarget } from './app-target';
import type { MigrationDestination } from './migration';

export function destinationTarget(source: AppTarget, to: MigrationDestination): AppTarget {
  if (!to.cluster) return source;
  const cluster = to.cluster.target;
  return {
    ...source,
    appId: `${cluster.id}/app/${source.appName}`,
    cluster: { ...cluster },
  };
}

/** The deployed revision rendered for the destination Cluster (its ingress, its name). */
export function destinationRevision(revision: AppRevision, to: MigrationDestination): AppRevision {
  if (!to.cluster) return revision;
  const { model } = to.cluster;
  const { context } = revision;
  return {
    ...revision,
    context: {
      ...context,
      cluster: model,
      app: { ...context.app, id: `${model.id}/app/${context.app.name}`, clusterId: model.id },
    },
  };
}

/**
 * The deployed revision with its App zone set to `zone` (KOM name): on zone-redundant disks the
 * App zone is where the pod prefers to run, so a zone move changes it.
 */
export function zoneRevision(revision: AppRevision, zone: string): AppRevision {
  const { context } = revision;
  return {
    ...revision,
    context: {
      ...context,
      app: { ...context.app, deployment: { ...context.app.deployment, zone, zones: [zone] } },
    },
  };
}
