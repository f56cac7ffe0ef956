// What a Temporal Schedule starts for an app: ask the app controller for a snapshot named after
// the schedule's nominal time, and wait for the controller's signal that it has ended. The
// request id derives from that time, so a retried or duplicated start never makes a second
// snapshot; overlap SKIP applies to the whole operation because this workflow lives until the
// controller finishes it; and waiting holds no activity slot, so a tick of hundreds of apps
// cannot starve the snapshot activities themselves.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import {
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { KompoxActivities } from '../activities';
import type { AppTarget } from './app-target';
import { operationFinishedSignal } from './messages';
import { type OperationRecord, isFinal } from './operation';

const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

const { requestOperation } = proxyActivities<KompoxActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export interface ScheduledSnapshotInput {
  target: AppTarget;
}

export async function scheduledSnapshotWorkflow({
  target,
}: ScheduledSnapshotInput): Promise<OperationRecord> {
  const info = workflowInfo();
  let finished: OperationRecord | undefined;
  setHandler(operationFinishedSignal, (record) => {
    finished = record;
  });
  // The nominal time (before jitter) names the snapshot; a manual trigger has none, so its start time does.
  const nominal: Date = info.typedSearchAttributes.get(SCHEDULED_START) ?? info.startTime;
  const scheduledTime = nominal.toISOString();
  const accepted = await requestOperation({
    request: { kind: 'snapshot.create', target, scheduledTime, notifyWorkflowId: info.workflowId },
    requestId: `schedule:${target.appId}:${scheduledTime}`,
  });
  // A request seen before may already have ended; otherwise the controller signals its end.
  const done = isFinal(accepted.phase)
    ? accepted
    : (await condition(() => finished !== undefined), finished!);
  if (done.phase === 'Failed' || done.phase === 'Cancelled') {
    throw ApplicationFailure.nonRetryable(
      `snapshot operation ${done.id} ${done.phase}: ${done.failure?.reason ?? ''} ${done.failure?.message ?? ''}`.trim(),
      done.failure?.reason ?? 'SnapshotFailed',
    );
  }
  return done;
}
