// `app render` before any disk exists (its help promises "no cluster needed"): every volume gets
// a stand-in disk whose handle says it is one, and the PV/PVC made from it say so too, so the
// output cannot be mistaken for something to apply.
import type { AppContext } from '../../kom';
import { LABEL } from './labels';
import type { AssignedDisk } from './types';

/** Every placeholder handle starts with this; no provider hands out such a handle. */
export const PLACEHOLDER_HANDLE_PREFIX = 'kompox-placeholder:';
export const PLACEHOLDER_DISK_NAME = 'placeholder';
/** A CSI driver name no cluster has: applying a placeholder PV cannot attach anything. */
export const PLACEHOLDER_CSI_DRIVER = 'placeholder.kompox.dev';

/** Stand-in disks for every App volume, in the App's deployment zone when it names one. */
export function placeholderDisks(context: AppContext): Record<string, AssignedDisk> {
  const zone = context.app.deployment.zone ?? '';
  return Object.fromEntries(
    context.app.volumes.map((volume) => {
      const handle = `${PLACEHOLDER_HANDLE_PREFIX}${volume.name}`;
      const disk: AssignedDisk = {
        diskName: PLACEHOLDER_DISK_NAME,
        handle,
        zone,
        sizeBytes: volume.sizeBytes,
        pvSource: {
          volumeHandle: handle,
          capacityBytes: volume.sizeBytes,
          accessModes: ['ReadWriteOnce'],
          volumeMode: 'Filesystem',
          csi: { driver: PLACEHOLDER_CSI_DRIVER, volumeAttributes: {} },
          ...(zone !== '' ? { topology: { key: LABEL.nodeZone, values: [zone] } } : {}),
        },
      };
      return [volume.name, disk];
    }),
  );
}

export function isPlaceholderDisk(disk: AssignedDisk): boolean {
  return disk.handle.startsWith(PLACEHOLDER_HANDLE_PREFIX);
}

/** The note a placeholder PV/PVC carries, as an annotation and as a comment in rendered YAML. */
export const PLACEHOLDER_NOTE =
  'no disk exists yet: this volume handle is a placeholder; deploy creates the disk (--bootstrap-disks) and renders the real one';
