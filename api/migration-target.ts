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
