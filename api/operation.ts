// Operation records: every disruptive thing the app controller does is one operation, with
// who asked, its phase, each step with times, and a machine-readable failure reason.
import { type AppRevision, type RevisionSummary, shortDigest } from './app-revision';
import type { AppTarget } from './app-target';
import type { KeptResource, MigrationDestination, MigrationSource } from './migration';

export type OperationPhase =
  'Pending' | 'InProgress' | 'Completed' | 'PartiallyFailed' | 'Failed' | 'Cancelled';

export const FINAL_PHASES: readonly OperationPhase[] = [
  'Completed',
  'PartiallyFailed',
  'Failed',
  'Cancelled',
];

export interface Requester {
  via: 'cli' | 'schedule' | 'webhook' | 'test' | 'controller';
  user?: string;
  host?: string;
}

interface RequestBase {
  /** Caller-chosen id; doubles as the Temporal update id so a retried request is applied once. */
  requestId: string;
  requester: Requester;
  /** The app key `ws/prv/app` of the controller this request is for. */
  appKey: string;
  /**
   * The app as the requester sees it. Absent on requests Kompox makes itself (scheduled runs,
   * alerts): the controller then uses the target of the deployed revision.
   */
  target?: AppTarget;
  /** The app revision to act on; required by deploy, which makes it the deployed revision. */
  revision?: AppRevision;
  /** A workflow to signal with the final record (so it can wait without holding an activity). */
  notifyWorkflowId?: string;
  /** Overrides the kind's default deadline; past it the operation is cancelled and fails. */
  deadlineSeconds?: number;
  /** Cancel a running operation of a lower lane so this one runs first. */
  preempt?: boolean;
}

export interface DiskCreateRequest extends RequestBase {
  kind: 'disk.create';
  volume: string;
  name?: string;
  /** `snapshot:<name>` or `disk:<name>`; empty for a blank disk. */
  source?: string;
  zone?: string;
}

export interface DiskBootstrapRequest extends RequestBase {
  kind: 'disk.bootstrap';
}

export interface DiskAssignRequest extends RequestBase {
  kind: 'disk.assign';
  volume: string;
  name: string;
}

export interface DiskDeleteRequest extends RequestBase {
  kind: 'disk.delete';
  volume: string;
  name: string;
}

export interface AppDeployRequest extends RequestBase {
  kind: 'app.deploy';
  revision: AppRevision;
  /** Create and assign a disk for every volume that has none (`--bootstrap-disks`). */
  bootstrapDisks?: boolean;
  /** How long to wait for the rollout; default 10 minutes. */
  rolloutTimeoutSeconds?: number;
}

export interface AppDestroyRequest extends RequestBase {
  kind: 'app.destroy';
  /** Also delete the app's namespace (and with it everything in it). */
  deleteNamespace?: boolean;
}

export interface SnapshotCreateRequest extends RequestBase {
  kind: 'snapshot.create';
  /** One volume; every volume of the app when omitted. */
  volume?: string;
  /** Snapshot name (one volume only); derived from the trigger when omitted. */
  name?: string;
  /** The schedule's nominal time for scheduled runs (ISO); names and idempotency derive from it. */
  scheduledTime?: string;
}

export interface SnapshotDeleteRequest extends RequestBase {
  kind: 'snapshot.delete';
  volume: string;
  name: string;
}

export interface SnapshotRestoreRequest extends RequestBase {
  kind: 'snapshot.restore';
  volume: string;
  name: string;
}

export interface SnapshotPruneRequest extends RequestBase {
  kind: 'snapshot.prune';
  volume?: string;
}

/**
 * Brings the app back on another node after its node failed: force-delete its pod there, see
 * its disks detached, wait until it is Ready in the disks' zone. The node incident hands it
 * out once the node is verified down, fenced and tainted out-of-service; `app failover` by hand.
 */
export interface AppFailoverRequest extends RequestBase {
  kind: 'app.failover';
  /** The failed node. */
  node: string;
  /** The node incident's workflow id, when an alert started it. */
  incidentId?: string;
  /** When the first alert arrived, the node was verified down and fenced (ISO): RTO marks. */
  alertReceivedAt?: string;
  verifiedAt?: string;
  fencedAt?: string;
  /**
   * A zone outage (`failover.crossZone`): `latestSnapshot` brings the app back in another zone
   * on disks made from each volume's newest ready snapshot; `zoneRedundant` lets it reschedule
   * in another zone on its own disks, which must be zone-redundant. Absent: reattach in the zone.
   */
  crossZone?: 'latestSnapshot' | 'zoneRedundant';
  /** The topology zone that is down, where nothing new may go. */
  avoidZone?: string;
}

/**
 * Moves the app to another zone, region or cluster on new disks made from snapshots. `live`
 * stops the app and snapshots it first (RPO 0); `latestSnapshot` starts from each volume's
 * newest ready snapshot, for when the source zone is down. Until the app is Ready at the
 * destination every step can be undone; after that the move only goes forward.
 */
export interface AppMigrateRequest extends RequestBase {
  kind: 'app.migrate';
  to: MigrationDestination;
  from: MigrationSource;
  /** How long the source disks and copied snapshots are kept for a way back; default 7 days. */
  keepSourceSeconds?: number;
}

/** Deletes what a migration kept once its keep-until has passed; the controller asks for it. */
export interface KeptPruneRequest extends RequestBase {
  kind: 'kept.prune';
  /** The kept resources whose keep window has passed. */
  kept: KeptResource[];
}

/**
 * Holds its lane until cancelled or `seconds` pass: what tests use to exercise lanes,
 * preemption and cancel before failover and migration exist. Only requesters `via: 'test'`.
 */
export interface TestHoldRequest extends RequestBase {
  kind: 'test.hold';
  lane: Lane;
  seconds: number;
}

export type OperationRequest =
  | SnapshotCreateRequest
  | SnapshotDeleteRequest
  | SnapshotRestoreRequest
  | SnapshotPruneRequest
  | DiskCreateRequest
  | DiskBootstrapRequest
  | DiskAssignRequest
  | DiskDeleteRequest
  | AppDeployRequest
  | AppDestroyRequest
  | AppFailoverRequest
  | AppMigrateRequest
  | KeptPruneRequest
  | TestHoldRequest;

export type OperationKind = OperationRequest['kind'];

/** Priority lanes, highest first (DESIGN.md §6). */
export type Lane = 'failover' | 'migrate' | 'app' | 'maintenance';
export const LANES: readonly Lane[] = ['failover', 'migrate', 'app', 'maintenance'];

/** What the controller hands an operation's child workflow: the request and what it resolved. */
export interface OperationInput<R extends OperationRequest = OperationRequest> {
  operationId: string;
  request: R;
  /** The request's target, or the deployed one for requests that carry none. */
  target: AppTarget;
  /** The revision to render: the request's, or the deployed one (restore, scheduled runs). */
  revision?: AppRevision;
}

export interface StepRecord {
  name: string;
  phase: 'InProgress' | 'Completed' | 'Failed';
  startedAt: string;
  endedAt?: string;
  detail?: string;
  /** The order the step started in within its operation (absent in records from before it). */
  seq?: number;
}

export interface OperationFailure {
  /** Machine-readable, e.g. DiskAssigned, NotFound, InvalidArgument, Internal. */
  reason: string;
  message: string;
}

export interface OperationRecord {
  id: string;
  kind: OperationKind;
  appKey: string;
  lane: Lane;
  requester: Requester;
  requestId: string;
  /** One-line summary of the request for listings, e.g. "volume=db name=db-1". */
  summary: string;
  phase: OperationPhase;
  requestedAt: string;
  startedAt?: string;
  endedAt?: string;
  workflowId?: string;
  /** When the controller cancels the operation if it is still running. */
  deadlineAt?: string;
  /** The revision the operation acted on (deploy, restore). */
  revision?: RevisionSummary;
  steps: StepRecord[];
  failure?: OperationFailure;
  /** Figures that matter for this kind: disks created or deleted, bytes, RTO, RPO. */
  figures?: Record<string, number | string>;
}

export function isFinal(phase: OperationPhase): boolean {
  return FINAL_PHASES.includes(phase);
}

export function summarize(request: OperationRequest): string {
  switch (request.kind) {
    case 'disk.create':
      return [
        `volume=${request.volume}`,
        request.name ? `name=${request.name}` : '',
        request.source ? `source=${request.source}` : '',
        request.zone ? `zone=${request.zone}` : '',
      ]
        .filter(Boolean)
        .join(' ');
    case 'disk.bootstrap':
      return `volumes=${volumeNames(request)}`;
    case 'disk.assign':
    case 'disk.delete':
      return `volume=${request.volume} name=${request.name}`;
    case 'app.deploy':
      return [
        `revision=${shortDigest(request.revision.digest)}`,
        request.bootstrapDisks ? 'bootstrap-disks' : '',
      ]
        .filter(Boolean)
        .join(' ');
    case 'app.destroy':
      return request.deleteNamespace ? 'delete-namespace' : '';
    case 'snapshot.create':
      return [
        request.volume ? `volume=${request.volume}` : `volumes=${volumeNames(request)}`,
        request.name ? `name=${request.name}` : '',
        request.scheduledTime ? `scheduled=${request.scheduledTime}` : '',
      ]
        .filter(Boolean)
        .join(' ');
    case 'snapshot.delete':
    case 'snapshot.restore':
      return `volume=${request.volume} name=${request.name}`;
    case 'snapshot.prune':
      return request.volume ? `volume=${request.volume}` : 'all volumes';
    case 'app.failover':
      return [
        `node=${request.node}`,
        request.crossZone ? `crossZone=${request.crossZone}` : '',
        request.incidentId ? 'alert' : 'by hand',
      ]
        .filter(Boolean)
        .join(' ');
    case 'app.migrate':
      return [
        request.to.cluster ? `cluster=${request.to.cluster.target.name}` : '',
        request.to.region ? `region=${request.to.region}` : '',
        request.to.zone ? `zone=${request.to.zone}` : '',
        `from=${request.from}`,
      ]
        .filter(Boolean)
        .join(' ');
    case 'kept.prune':
      return `kept=${request.kept.map((k) => k.name).join(',')}`;
    case 'test.hold':
      return `lane=${request.lane} seconds=${request.seconds}`;
  }
}

function volumeNames(request: OperationRequest): string {
  return request.target ? request.target.volumes.map((v) => v.name).join(',') : 'all';
}
