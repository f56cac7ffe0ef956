// One assigned disk per volume: the invariant deploy relies on, and the bootstrap that
// establishes it (shared by `disk create --bootstrap` and `app deploy --bootstrap-disks`).
import { diskActivities } from './activity-proxies';
import type { AppTarget, VolumeTarget } from '../api/app-target';
import type { DiskView } from '../api/messages';
import type { StepRunner } from './steps';

export function byVolume(disks: DiskView[]): Record<string, DiskView[]> {
  const out: Record<string, DiskView[]> = {};
  for (const d of disks) (out[d.volumeName] ??= []).push(d);
  return out;
}

export function volumesWithoutAssignedDisk(
  target: AppTarget,
  disks: Record<string, DiskView[]>,
): VolumeTarget[] {
  return target.volumes.filter((v) => !(disks[v.name] ?? []).some((d) => d.assigned));
}

/** Creates an assigned disk for each volume, in parallel; the key makes a retry find its disk. */
export function createAssignedDisks(
  step: StepRunner,
  operationId: string,
  target: AppTarget,
  volumes: VolumeTarget[],
): Promise<DiskView[]> {
  return Promise.all(
    volumes.map((v) =>
      step(
        `create assigned disk for ${v.name}`,
        () =>
          diskActivities.createDisk({
            target,
            volume: v.name,
            idempotencyKey: `${operationId}/${v.name}`,
            assign: true,
          }),
        (d) => `${d.name} in ${d.zone}`,
      ),
    ),
  );
}
