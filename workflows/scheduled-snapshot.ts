// What a Temporal Schedule starts for an app: ask the app controller for a snapshot named after
// the schedule's nominal time, and wait for it. The request id derives from that time, so a
// retried or duplicated start never makes a second snapshot, and overlap SKIP applies to the
// whole operation because this workflow lives until the controller finishes it.
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { KompoxActivities } from '../activities';
import type { AppTarget } from './app-target';
import type { OperationRecord } from './operation';

const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

const { requestOperation } = proxyActivities<KompoxActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

const { awaitOperation } = proxyActivities<KompoxActivities>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export interface ScheduledSnapshotInput {
  target: AppTarget;
}

export async function scheduledSnapshotWorkflow({
  target,
}: ScheduledSnapshotInput): Promise<OperationRecord> {
  const info = workflowInfo();
  // The nominal time (before jitter) names the snapshot; a manual trigger has none, so its start time does.
  const nominal: Date = info.typedSearchAttributes.get(SCHEDULED_START) ?? info.startTime;
  const scheduledTime = nominal.toISOString();
  const accepted = await requestOperation({
    request: { kind: 'snapshot.create', target, scheduledTime },
    requestId: `schedule:${target.appId}:${scheduledTime}`,
  });
  const done = await awaitOperation({ appId: target.appId, operationId: accepted.id });
  if (done.phase === 'Failed' || done.phase === 'Cancelled') {
    throw ApplicationFailure.nonRetryable(
      `snapshot operation ${done.id} ${done.phase}: ${done.failure?.reason ?? ''} ${done.failure?.message ?? ''}`.trim(),
      done.failure?.reason ?? 'SnapshotFailed',
    );
  }
  return done;
}
