// What a Temporal Schedule starts for an app: ask the app's controller for a snapshot named
// after the schedule's nominal time, and wait for the controller's signal that it has ended.
// The request carries no target: the controller snapshots the app as it was last deployed,
// never as it was when the schedule was applied. The request id derives from the nominal
// time, so a retried or duplicated start never makes a second snapshot; overlap SKIP applies
// to the whole operation because this workflow lives until the operation ends, and the wait
// has a limit so a lost signal cannot stop an app's snapshots for good.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { appControllerWorkflowId } from '../api/ids';
import { operationFinishedSignal, requestOperationSignal } from '../api/messages';
import type { OperationRecord, SnapshotCreateRequest } from '../api/operation';

const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** Longer than a snapshot's own deadline (2 h) plus time queued behind other operations. */
const DEFAULT_WAIT_SECONDS = 3 * 60 * 60;

export interface ScheduledSnapshotInput {
  appKey: string;
  /** How long to wait for the operation to end; the run fails with WaitTimeout after it. */
  waitSeconds?: number;
}

export async function scheduledSnapshotWorkflow({
  appKey,
  waitSeconds,
}: ScheduledSnapshotInput): Promise<OperationRecord> {
  const info = workflowInfo();
  let finished: OperationRecord | undefined;
  setHandler(operationFinishedSignal, (record) => {
    finished = record;
  });
  // The nominal time (before jitter) names the snapshot; a manual trigger has none, so its start time does.
  const nominal: Date = info.typedSearchAttributes.get(SCHEDULED_START) ?? info.startTime;
  const scheduledTime = nominal.toISOString();
  const request: SnapshotCreateRequest = {
    kind: 'snapshot.create',
    appKey,
    requestId: `schedule:${appKey}:${scheduledTime}`,
    requester: { via: 'schedule', host: info.workflowId },
    scheduledTime,
    notifyWorkflowId: info.workflowId,
  };
  try {
    await getExternalWorkflowHandle(appControllerWorkflowId(appKey)).signal(requestOperationSignal, request);
  } catch (err) {
    throw ApplicationFailure.nonRetryable(
      `app ${appKey} has no controller to take the snapshot (deploy the app first): ${err instanceof Error ? err.message : String(err)}`,
      'NoController',
    );
  }
  const limit = waitSeconds ?? DEFAULT_WAIT_SECONDS;
  if (!(await condition(() => finished !== undefined, limit * 1000))) {
    throw ApplicationFailure.nonRetryable(
      `the snapshot operation did not end within ${limit}s; see kompoxops op list (the next scheduled run starts as usual)`,
      'WaitTimeout',
    );
  }
  const done = finished!;
  if (done.phase === 'Failed' || done.phase === 'Cancelled') {
    throw ApplicationFailure.nonRetryable(
      `snapshot operation ${done.id} ${done.phase}: ${done.failure?.reason ?? ''} ${done.failure?.message ?? ''}`.trim(),
      done.failure?.reason ?? 'SnapshotFailed',
    );
  }
  return done;
}
