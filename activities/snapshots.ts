// Snapshot activities: idempotent wrappers over the provider driver. A retried create finds the
// snapshot its idempotency key already started; deletes of what is gone succeed.
import { Context, heartbeat } from '@temporalio/activity';
import { resumeIntent } from '../drivers/create-intent';
import { resumeOperation, waitForOperation } from '../drivers/long-operation';
import type { AppTarget } from '../api/app-target';
import type { ActivityDeps } from './deps';
import { driverFor } from './driver-for-target';
import { resumableHeartbeat } from './resumable-heartbeat';
import { asActivityFailure } from './failures';
import { type SnapshotView, snapshotView } from './snapshot-view';
import { recordNewestReady } from './snapshot-age';

export interface SnapshotInput {
  target: AppTarget;
  volume: string;
  name: string;
}

export function snapshotActivities(deps: ActivityDeps) {
  return {
    async listSnapshots({ target, volume }: { target: AppTarget; volume?: string }): Promise<SnapshotView[]> {
      return asActivityFailure(async () => {
        const driver = await driverFor(deps, target);
        const volumes = volume ? [volume] : target.volumes.map((v) => v.name);
        const lists = await Promise.all(
          volumes.map((v) => driver.listSnapshots({ app: target.appName, volume: v })),
        );
        const views = lists.flat().map(snapshotView);
        recordNewestReady(target.appKey, volumes, views);
        return views;
      });
    },

    async createSnapshot(input: SnapshotInput & { idempotencyKey: string }): Promise<SnapshotView> {
      return asActivityFailure(async () => {
        const { target, volume, name } = input;
        // The driver may stream a whole disk inside one call: beat during it, keeping the handle.
        const beat = resumableHeartbeat();
        const driver = await driverFor(deps, target, beat.progress);
        const { heartbeatDetails, attempt } = Context.current().info;
        const op =
          resumeOperation(heartbeatDetails, 'createSnapshot') ??
          (await driver.beginCreateSnapshot(
            { app: target.appName, volume, name, idempotencyKey: input.idempotencyKey },
            // Clouds without a create token record the intent first (a heartbeat), see create-intent.ts.
            {
              previous: resumeIntent(heartbeatDetails, 'createSnapshot'),
              retried: attempt > 1,
              record: (intent) => beat.details(intent),
            },
          ));
        beat.details(op);
        const snapshot = await waitForOperation(driver, op, {
          intervalMs: 200,
          maxIntervalMs: 2000,
          signal: Context.current().cancellationSignal,
          onPoll: (next) => beat.details(next),
        });
        const view = snapshotView(snapshot);
        recordNewestReady(target.appKey, [volume], [view]);
        return view;
      });
    },

    async deleteSnapshot({ target, volume, name }: SnapshotInput): Promise<void> {
      return asActivityFailure(async () => {
        const driver = await driverFor(deps, target);
        const op =
          resumeOperation(Context.current().info.heartbeatDetails, 'deleteSnapshot') ??
          (await driver.beginDeleteSnapshot({ app: target.appName, volume, name }));
        heartbeat(op);
        await waitForOperation(driver, op, {
          intervalMs: 200,
          maxIntervalMs: 2000,
          onPoll: (next) => heartbeat(next),
        });
      });
    },
  };
}
