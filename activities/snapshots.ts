// Snapshot activities: idempotent wrappers over the provider driver. A retried create or copy
// finds the snapshot its idempotency key already started; deletes of what is gone succeed.
import { Context, heartbeat } from '@temporalio/activity';
import { resumeOperation, waitForOperation } from '../drivers/long-operation';
import type { AppTarget } from '../api/app-target';
import type { ActivityDeps } from './deps';
import { driverFor } from './driver-for-target';
import { resumableHeartbeat } from './resumable-heartbeat';
import { type CopyRegion, checkCopyToRegion } from './copy-region';
import { asActivityFailure, refuse } from './failures';
import { type SnapshotView, snapshotView } from './snapshot-view';

export interface SnapshotInput {
  target: AppTarget;
  volume: string;
  name: string;
}

export interface CopySnapshotInput {
  target: AppTarget;
  volume: string;
  /** The snapshot to copy (ready, in another region than `region`). */
  name: string;
  /** Region the copy goes to. */
  region: string;
  idempotencyKey: string;
  /** Name of the copy; the driver's `<name>-<region>` when omitted. */
  targetName?: string;
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
        return lists.flat().map(snapshotView);
      });
    },

    async createSnapshot(input: SnapshotInput & { idempotencyKey: string }): Promise<SnapshotView> {
      return asActivityFailure(async () => {
        const { target, volume, name } = input;
        // The driver may stream a whole disk inside one call: beat during it, keeping the handle.
        const beat = resumableHeartbeat();
        const driver = await driverFor(deps, target, beat.progress);
        const op =
          resumeOperation(Context.current().info.heartbeatDetails, 'createSnapshot') ??
          (await driver.beginCreateSnapshot(
            { app: target.appName, volume, name, idempotencyKey: input.idempotencyKey },
            // Clouds without a create token record the intent first (a heartbeat), see create-intent.ts.
            beat.intents('createSnapshot'),
          ));
        const snapshot = await beat.finish(driver, op);
        return snapshotView(snapshot);
      });
    },

    /**
     * Copies a ready snapshot to another region and waits until the copy is ready. The same
     * idempotency key always gives the same copy (an existing one is returned as is); a retry
     * resumes the operation it heartbeated, so a worker killed mid-copy never copies twice.
     */
    async copySnapshot(input: CopySnapshotInput): Promise<SnapshotView> {
      return asActivityFailure(async () => {
        const { target, volume, name, region } = input;
        const beat = resumableHeartbeat();
        const driver = await driverFor(deps, target, beat.progress);
        if (!driver.capabilities.crossRegionCopy)
          refuse(
            `provider ${target.provider.name} (driver ${driver.driverName}) cannot copy snapshots to another region`,
            'Unsupported',
          );
        const op =
          resumeOperation(Context.current().info.heartbeatDetails, 'copySnapshot') ??
          (await driver.beginCopySnapshot(
            {
              snapshot: { app: target.appName, volume, name },
              targetRegion: region,
              idempotencyKey: input.idempotencyKey,
              ...(input.targetName ? { targetName: input.targetName } : {}),
            },
            beat.intents('copySnapshot'),
          ));
        const copy = await beat.finish(driver, op);
        return snapshotView(copy);
      });
    },

    /** The app's copyToRegion checked against the provider (see copy-region.ts); null without one. */
    async checkCopyRegion({ target }: { target: AppTarget }): Promise<CopyRegion | null> {
      return asActivityFailure(
        async () => (await checkCopyToRegion(await driverFor(deps, target), target)) ?? null,
      );
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
