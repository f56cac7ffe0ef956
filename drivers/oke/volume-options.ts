// Disk options and sizes of OCI block volumes, checked before any call: performance in VPUs per
// GB (0 to 120 in steps of 10), the file system the PV mounts, and sizes of whole GiB between
// OCI's 50 GB minimum and 32 TB (OCI's "GB" are GiB).
import type { DiskOptions } from '../driver';
import { DriverError, invalidArgument } from '../errors';
import { GiB } from './records';
import { type OkeSettings, VPUS_PER_GB } from './settings';

/** OCI block volumes are 50 GB (GiB) to 32 TB. */
const MIN_GIB = 50;
const MAX_GIB = 32 * 1024;
const FS_TYPES = ['ext4', 'xfs', 'ext3'];

/** Disk options the oke driver knows; InvalidArgument for any other or a bad value. */
export function okeDiskOptions(
  options: DiskOptions | undefined,
  settings: OkeSettings,
): { vpusPerGB: number; fsType?: string } {
  const o = options ?? {};
  for (const key of Object.keys(o)) {
    if (key === 'zoneRedundant' && o[key] === true) {
      throw new DriverError(
        'Unsupported',
        'OCI block volumes live in one availability domain (replicas are asynchronous)',
        {
          details: { option: 'zoneRedundant' },
        },
      );
    }
    if (!['vpusPerGB', 'fsType', 'zoneRedundant'].includes(key)) {
      throw invalidArgument(`unknown oke disk option "${key}" (known: vpusPerGB, fsType)`, { option: key });
    }
  }
  const vpus = o.vpusPerGB === undefined ? settings.vpusPerGB : Number(o.vpusPerGB);
  if (!(VPUS_PER_GB as readonly number[]).includes(vpus)) {
    throw invalidArgument(`vpusPerGB must be one of ${VPUS_PER_GB.join(', ')}`, { option: 'vpusPerGB' });
  }
  const fsType = o.fsType === undefined ? undefined : String(o.fsType);
  if (fsType !== undefined && !FS_TYPES.includes(fsType)) {
    throw invalidArgument(`fsType must be one of ${FS_TYPES.join(', ')}`, { option: 'fsType' });
  }
  return { vpusPerGB: vpus, ...(fsType === undefined ? {} : { fsType }) };
}

/** Whole GiB, at least OCI's 50; InvalidArgument for a size no volume can have. */
export function volumeGiB(sizeBytes: number): number {
  if (!Number.isFinite(sizeBytes) || sizeBytes <= 0)
    throw invalidArgument(`disk size must be positive (got ${sizeBytes})`, { option: 'size' });
  const gib = Math.max(MIN_GIB, Math.ceil(sizeBytes / GiB));
  if (gib > MAX_GIB)
    throw invalidArgument(`disk size ${gib} GiB is above OCI's ${MAX_GIB} GiB`, { option: 'size' });
  return gib;
}
