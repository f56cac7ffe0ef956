// Messages of the app controller, defined once and shared by the workflow and its clients so
// every call is type-checked on both sides.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AppRevision, RevisionSummary } from './app-revision';
import type { AppTarget } from './app-target';
import type { KeptResource } from './migration';
import type { OperationTotals } from './operation-totals';
import type { OperationRecord, OperationRequest, Requester, StepRecord } from './operation';

/** Reference-compatible view of one disk, mirrored by the controller for fast queries. */
export interface DiskView {
  name: string;
  volumeName: string;
  assigned: boolean;
  size: number;
  zone: string;
  handle: string;
  createdAt: string;
}

/** Where the app runs now: part of the controller's state, so a move keeps the controller. */
export interface Placement {
  clusterId: string;
  cluster: string;
  /** KOM zone of the app's disks ('' for zone-redundant disks). */
  zone: string;
  /** Kubernetes topology zone of the node the pod runs on. */
  nodeZone?: string;
  region?: string;
  node?: string;
  since: string;
}

/** The revision the cluster runs, who deployed it and when. */
export interface DeployedRevision {
  revision: RevisionSummary;
  deployedAt: string;
  deployedBy: Requester;
  operationId: string;
}

export interface ControllerView {
  appKey: string;
  placement?: Placement;
  deployed?: DeployedRevision;
  currentOperation?: OperationRecord;
  queued: OperationRecord[];
  /** Disks per volume as of the last operation that touched them. */
  disks: Record<string, DiskView[]>;
  /** Newest first. */
  recentOperations: OperationRecord[];
  /** Source disks and copied snapshots migrations keep for a way back, and until when. */
  kept?: KeptResource[];
}

export const submitOperationUpdate = defineUpdate<OperationRecord, [OperationRequest]>('submitOperation');
export const controllerViewQuery = defineQuery<ControllerView>('controllerView');
/** What the worker's metrics need of a controller, and no more: scrapes query every controller. */
export interface ControllerMetricsView {
  appKey: string;
  /** The operation that deployed the running revision; absent once the app is destroyed. */
  deployedOperationId?: string;
  /** The newest finished operation: a snapshot listing stands while it stays the same. */
  lastOperationId?: string;
  totals: OperationTotals;
}
export const controllerMetricsQuery = defineQuery<ControllerMetricsView>('controllerMetrics');
export const operationQuery = defineQuery<OperationRecord | null, [string]>('operation');
/** The deployed revision in full, and the target it was deployed with (for `app diff`). */
export const deployedRevisionQuery = defineQuery<{ revision: AppRevision; target: AppTarget } | null>(
  'deployedRevision',
);

/** Cancels a queued or running operation; answers with its record (final once it has ended). */
export interface CancelRequest {
  operationId: string;
  reason: string;
  requester: Requester;
}
export const cancelOperationUpdate = defineUpdate<OperationRecord, [CancelRequest]>('cancelOperation');

/**
 * A request Kompox makes itself from inside a workflow (a scheduled run), which cannot
 * update-with-start: the controller enqueues it as the update would, or records its refusal.
 */
export const requestOperationSignal = defineSignal<[OperationRequest]>('requestOperation');

/** Sent by an operation's child workflow to its controller as each step starts and ends. */
export interface StepReport {
  operationId: string;
  step: StepRecord;
}
export const operationStepSignal = defineSignal<[StepReport]>('operationStep');

/** Sent once by an operation's child workflow as it ends: every step it ran, in start order. */
export interface StepsReport {
  operationId: string;
  steps: StepRecord[];
}
export const operationStepsSignal = defineSignal<[StepsReport]>('operationSteps');
/** Answered by a running operation's own workflow: its steps so far, for live progress. */
export const operationStepsQuery = defineQuery<StepRecord[]>('operationSteps');

/** Sent by the controller to a request's `notifyWorkflowId` when the operation has ended. */
export const operationFinishedSignal = defineSignal<[OperationRecord]>('operationFinished');

/** The outcome a child workflow hands back to the controller. */
export interface OperationOutcome {
  /** Completed unless the operation says otherwise (e.g. some volumes failed). */
  phase?: 'PartiallyFailed';
  disks?: Record<string, DiskView[]>;
  /** Where the app's pod runs after a deploy or restore; a migration also names the cluster. */
  placement?: {
    zone: string;
    nodeZone: string;
    node: string;
    clusterId?: string;
    cluster?: string;
    region?: string;
  };
  figures?: Record<string, number | string>;
  /** A move to another cluster: what is deployed now, and where. */
  deployed?: { revision: AppRevision; target: AppTarget };
  /** What a migration keeps of the source until its keep window passes. */
  kept?: KeptResource[];
  /** Kept resources pruned (or kept for good) by `kept.prune`: no longer tracked. */
  released?: KeptResource[];
  /** Every step the operation ran, added as it completes (workflows/step-reports-interceptor.ts). */
  steps?: StepRecord[];
}
