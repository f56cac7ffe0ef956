// Messages of the app controller, defined once and shared by the workflow and its clients so
// every call is type-checked on both sides.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { OperationRecord, OperationRequest, StepRecord } from './operation';

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

export interface ControllerView {
  appId: string;
  currentOperation?: OperationRecord;
  queued: OperationRecord[];
  /** Disks per volume as of the last operation that touched them. */
  disks: Record<string, DiskView[]>;
  /** Newest first. */
  recentOperations: OperationRecord[];
}

export const submitOperationUpdate = defineUpdate<OperationRecord, [OperationRequest]>('submitOperation');
export const controllerViewQuery = defineQuery<ControllerView>('controllerView');
export const operationQuery = defineQuery<OperationRecord | null, [string]>('operation');

/** Sent by an operation's child workflow to its controller as each step starts and ends. */
export interface StepReport {
  operationId: string;
  step: StepRecord;
}
export const operationStepSignal = defineSignal<[StepReport]>('operationStep');

/** Sent by the controller to a request's `notifyWorkflowId` when the operation has ended. */
export const operationFinishedSignal = defineSignal<[OperationRecord]>('operationFinished');

/** The outcome a child workflow hands back to the controller. */
export interface OperationOutcome {
  /** Completed unless the operation says otherwise (e.g. some volumes failed). */
  phase?: 'PartiallyFailed';
  disks?: Record<string, DiskView[]>;
  figures?: Record<string, number | string>;
}
