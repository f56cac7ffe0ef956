// Disk activities: small, idempotent wrappers over the provider driver. Long cloud calls
// heartbeat their operation handle and resume from it after a retry.
import { Context, heartbeat } from '@temporalio/activity';
import { parseDiskSource } from '../drivers/source';
import { resumeOperation, waitForOperation } from '../drivers/long-operation';
import type { AppTarget } from '../api/app-target';
import type { DiskView } from '../api/messages';
import type { ActivityDeps } from './deps';
import { diskView } from './disk-view';
import { driverFor } from './driver-for-target';
import { resumableHeartbeat } from './resumable-heartbeat';
import { asActivityFailure, refuse } from './failures';

export interface CreateDiskInput {
  target: AppTarget;
  volume: string;
  idempotencyKey: string;
  name?: string;
  /** `snapshot:<name>`, `disk:<name>` or a bare snapshot name, as in the reference. */
  source?: string;
  zone?: string;
  assign?: boolean;
}

export interface DiskInput {
  target: AppTarget;
  volume: string;
  name: string;
}

export function diskActivities(deps: ActivityDeps) {
  return {
    async listDisks({ target, volume }: { target: AppTarget; volume?: string }): Promise<DiskView[]> {
      return asActivityFailure(async () => {
        const driver = await driverFor(deps, target);
        const volumes = volume ? [volume] : target.volumes.map((v) => v.name);
        const lists = await Promise.all(
          volumes.map((v) => driver.listDisks({ app: target.appName, volume: v })),
        );
        return lists.flat().map(diskView);
      });
    },

    async createDisk(input: CreateDiskInput): Promise<DiskView> {
      return asActivityFailure(async () => {
        const { target, volume } = input;
        const spec = target.volumes.find((v) => v.name === volume);
        if (!spec) refuse(`app "${target.appId}" has no volume "${volume}"`, 'InvalidArgument');
        // The driver may stream a whole disk inside one call: beat during it, keeping the handle.
        const beat = resumableHeartbeat();
        const driver = await driverFor(deps, target, beat.progress);
        const zone = input.zone ?? target.deploymentZone;
        const op =
          resumeOperation(Context.current().info.heartbeatDetails, 'createDisk') ??
          (await driver.beginCreateDisk({
            app: target.appName,
            volume,
            sizeBytes: spec.sizeBytes,
            options: spec.options,
            idempotencyKey: input.idempotencyKey,
            source: parseDiskSource(input.source),
            ...(input.name ? { name: input.name } : {}),
            ...(zone ? { zone } : {}),
            ...(input.assign ? { assigned: true } : {}),
          }));
        return diskView(await beat.finish(driver, op));
      });
    },

    /** Makes `name` the one assigned disk of the volume; safe to repeat. */
    async assignDisk({ target, volume, name }: DiskInput): Promise<DiskView[]> {
      return asActivityFailure(async () => {
        const driver = await driverFor(deps, target);
        const disks = await driver.listDisks({ app: target.appName, volume });
        if (!disks.some((d) => d.name === name)) {
          refuse(
            `volume "${volume}" has no disk "${name}" (disks: ${disks.map((d) => d.name).join(', ') || 'none'})`,
            'NotFound',
          );
        }
        // Assign the new disk first, then clear the others: a crash in between leaves two assigned
        // disks (which deploy refuses and a retry repairs), never a volume with none.
        await driver.setDiskAssigned({ app: target.appName, volume, name }, true);
        for (const d of disks) {
          if (d.name !== name && d.assigned)
            await driver.setDiskAssigned({ app: target.appName, volume, name: d.name }, false);
        }
        return (await driver.listDisks({ app: target.appName, volume })).map(diskView);
      });
    },

    async deleteDisk({ target, volume, name }: DiskInput): Promise<void> {
      return asActivityFailure(async () => {
        const driver = await driverFor(deps, target);
        const disks = await driver.listDisks({ app: target.appName, volume });
        const disk = disks.find((d) => d.name === name);
        if (!disk) return; // already gone: a retried delete succeeds
        if (disk.assigned) {
          refuse(
            `disk "${name}" is the assigned disk of volume "${volume}" and is never deleted; assign another disk first`,
            'DiskAssigned',
          );
        }
        const op =
          resumeOperation(Context.current().info.heartbeatDetails, 'deleteDisk') ??
          (await driver.beginDeleteDisk({ app: target.appName, volume, name }));
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
