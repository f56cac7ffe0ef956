// Copies a ready snapshot to another region: a long cloud operation that heartbeats its handle
// and resumes from it after a retry, so a worker killed mid-copy never copies twice.
import { Context } from '@temporalio/activity';
import { resumeIntent } from '../drivers/create-intent';
import { resumeOperation, waitForOperation } from '../drivers/long-operation';
import type { AppTarget } from '../api/app-target';
import type { ActivityDeps } from './deps';
import { driverFor } from './driver-for-target';
import { asActivityFailure, refuse } from './failures';
import { resumableHeartbeat } from './resumable-heartbeat';
import { type SnapshotView, snapshotView } from './snapshot-view';

export function snapshotCopyActivities(deps: ActivityDeps) {
  return {
    async copySnapshot(input: {
      target: AppTarget;
      volume: string;
      name: string;
      region: string;
      idempotencyKey: string;
      targetName?: string;
    }): Promise<SnapshotView> {
      return asActivityFailure(async () => {
        const { target } = input;
        const beat = resumableHeartbeat();
        const driver = await driverFor(deps, target, beat.progress);
        if (!driver.capabilities.crossRegionCopy)
          refuse(`driver ${driver.driverName} cannot copy snapshots to another region`, 'NotImplemented');
        const { heartbeatDetails, attempt } = Context.current().info;
        const op =
          resumeOperation(heartbeatDetails, 'copySnapshot') ??
          (await driver.beginCopySnapshot(
            {
              snapshot: { app: target.appName, volume: input.volume, name: input.name },
              targetRegion: input.region,
              idempotencyKey: input.idempotencyKey,
              ...(input.targetName ? { targetName: input.targetName } : {}),
            },
            {
              previous: resumeIntent(heartbeatDetails, 'copySnapshot'),
              retried: attempt > 1,
              record: (intent) => beat.details(intent),
            },
          ));
        beat.details(op);
        const copy = await waitForOperation(driver, op, {
          intervalMs: 200,
          maxIntervalMs: 2000,
          signal: Context.current().cancellationSignal,
          onPoll: (next) => beat.details(next),
        });
        return snapshotView(copy);
      });
    },
  };
}
