// Synchronous checks the controller runs before accepting an operation: a rejected request
// never enters history and the caller gets the message at once.
import type { AppTarget } from '../api/app-target';
import type { DiskView } from '../api/messages';
import { type AppMigrateRequest, LANES, type OperationKind, type OperationRequest } from '../api/operation';

// A record over every kind, so adding an operation kind without listing it here fails to compile.
export const KINDS: Record<OperationKind, true> = {
  'disk.create': true,
  'disk.bootstrap': true,
  'disk.assign': true,
  'disk.delete': true,
  'app.deploy': true,
  'app.destroy': true,
  'app.failover': true,
  'app.migrate': true,
  'kept.prune': true,
  'snapshot.create': true,
  'snapshot.delete': true,
  'snapshot.restore': true,
  'snapshot.prune': true,
  'test.hold': true,
};

/**
 * The target a request will run with: its own, else the one the controller knows (deployed
 * first). A migration always starts from where the app runs, whatever the KOM says now,
 * with the provider settings the project sends.
 */
export function effectiveTarget(
  request: OperationRequest,
  known: AppTarget | undefined,
): AppTarget | undefined {
  if (request.kind === 'kept.prune') return known ?? request.target;
  if (request.kind === 'app.migrate') {
    // How to reach the provider (settings) is the project's to say; where the app runs is not.
    const sent = request.target;
    if (known && sent && sent.provider.id === known.provider.id) return { ...known, provider: sent.provider };
    return known ?? sent;
  }
  return request.target ?? known;
}

/** `deployed`: the target of the deployed revision, where the app runs. */
export function validateRequest(
  appKey: string,
  request: OperationRequest,
  disks: Record<string, DiskView[]>,
  known: AppTarget | undefined,
  deployed?: AppTarget,
): void {
  if (!request || typeof request !== 'object') throw new Error('operation request is missing');
  if (!Object.hasOwn(KINDS, request.kind))
    throw new Error(`unknown operation kind "${String(request.kind)}"`);
  if (!request.requestId) throw new Error('operation request has no requestId');
  if (request.appKey !== appKey)
    throw new Error(`request is for app "${request.appKey}" but this controller manages "${appKey}"`);
  if (request.target && request.target.appKey !== appKey) {
    throw new Error(
      `request target is app "${request.target.appKey}" but this controller manages "${appKey}"`,
    );
  }
  if (request.deadlineSeconds !== undefined && !(request.deadlineSeconds > 0))
    throw new Error('deadlineSeconds must be a positive number of seconds');
  if (request.kind === 'test.hold') {
    if (request.requester?.via !== 'test') throw new Error('test.hold is for tests only');
    if (!LANES.includes(request.lane)) throw new Error(`unknown lane "${String(request.lane)}"`);
    return;
  }
  if (request.kind === 'app.migrate') return validateMigrate(appKey, request, deployed);
  if (request.kind === 'kept.prune') return;
  checkSameCluster(appKey, request, deployed);
  if (request.kind === 'app.deploy') {
    if (!request.revision || !request.target)
      throw new Error('app.deploy needs the app revision and its target');
    if (request.revision.context.app.id !== request.target.appId)
      throw new Error(
        `the revision is of app ${request.revision.context.app.id}, not ${request.target.appId}`,
      );
    return;
  }
  const target = effectiveTarget(request, known);
  if (!target) {
    throw new Error(
      `app "${appKey}" is not known to its controller yet; deploy it first (kompoxops app deploy) or run this from the project`,
    );
  }
  if (request.kind === 'disk.bootstrap' || request.kind === 'app.destroy') return;
  if (request.kind === 'app.failover') {
    if (!request.node) throw new Error('app.failover needs the failed node');
    return;
  }
  if (
    (request.kind === 'snapshot.create' || request.kind === 'snapshot.prune') &&
    request.volume === undefined
  ) {
    if (request.kind === 'snapshot.create' && request.name)
      throw new Error('a snapshot name (-N) needs one volume (-V)');
    return;
  }
  const volume = target.volumes.find((v) => v.name === request.volume);
  if (!volume) {
    const known = target.volumes.map((v) => v.name).join(', ') || 'none';
    throw new Error(`app "${appKey}" has no volume "${request.volume}" (volumes: ${known})`);
  }
  if (
    request.kind === 'disk.create' ||
    request.kind === 'snapshot.create' ||
    request.kind === 'snapshot.prune'
  )
    return;
  if (!request.name) throw new Error(`${request.kind} needs a name (-N)`);
  if (request.kind === 'disk.delete') {
    const disk = disks[request.volume]?.find((d) => d.name === request.name);
    if (disk?.assigned) {
      throw new Error(
        `disk "${request.name}" is the assigned disk of volume "${request.volume}" and is never deleted; assign another disk first`,
      );
    }
  }
}

/**
 * Once the app runs on a cluster, a request from a project that names another cluster is
 * refused: acting there would run the app twice on one set of disks, or miss it. Only a
 * migration changes the cluster.
 */
function checkSameCluster(appKey: string, request: OperationRequest, deployed: AppTarget | undefined): void {
  if (!deployed || !request.target || request.target.cluster.id === deployed.cluster.id) return;
  const here = deployed.cluster.name;
  throw new Error(
    `app ${appKey} runs on cluster ${here} (${deployed.cluster.id}), but this request is for cluster ${request.target.cluster.name}: ` +
      `make cluster ${here} the app's Cluster in the KOM, or move the app there first with kompoxops app migrate --cluster ${request.target.cluster.name}`,
  );
}

function validateMigrate(appKey: string, request: AppMigrateRequest, deployed: AppTarget | undefined): void {
  if (!deployed)
    throw new Error(
      `app ${appKey} is not deployed: there is nothing to migrate (kompoxops app deploy first)`,
    );
  const { to } = request;
  if (!to || (!to.zone && !to.region && !to.cluster))
    throw new Error('app.migrate needs a destination: --zone, --region or --cluster');
  if (request.from !== 'live' && request.from !== 'latestSnapshot')
    throw new Error(`--from must be live or latest-snapshot, not "${String(request.from)}"`);
  if (request.keepSourceSeconds !== undefined && !(request.keepSourceSeconds >= 0))
    throw new Error('--keep-source must be a duration of zero or more');
  if (to.cluster) {
    if (to.cluster.target.id === deployed.cluster.id && !to.zone && !to.region)
      throw new Error(
        `app ${appKey} already runs on cluster ${deployed.cluster.name}; name another cluster, or a zone or region`,
      );
    if (to.cluster.model.providerId !== deployed.provider.id)
      throw new Error(
        `cluster ${to.cluster.target.name} belongs to provider ${to.cluster.model.providerId}, not ${deployed.provider.id}: a migration stays with the app's disks' provider`,
      );
  }
}
