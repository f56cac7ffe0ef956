// The disk options the gke driver accepts, checked before any call so a bad request fails with
// the option named. Persistent Disk sizes are whole GB (GiB in Compute Engine's usage); smaller
// requests are rounded up to the type's minimum (10 GB; 200 GB for regional pd-standard), so a
// disk reports its real size, never less than asked.
//
//   type           pd-balanced (default: GCP_DISK_TYPE), pd-ssd, pd-standard
//   zoneRedundant  true: a regional PD replicated in two zones of the region
//   replicaZones   the two zones of a regional PD (comma list); default the disk's zone and the
//                  next zone of the region
//   fsType         ext4 (default), xfs, ext3: the PV's fsType
import type { DiskOptions } from '../driver';
import { invalidArgument } from '../errors';

export const PD_TYPES = ['pd-balanced', 'pd-ssd', 'pd-standard'] as const;
export type PdType = (typeof PD_TYPES)[number];

const KNOWN_OPTIONS = ['type', 'zoneRedundant', 'replicaZones', 'fsType'];
const FS_TYPES = ['ext4', 'xfs', 'ext3'];
const MAX_GB = 65_536;

export const GiB = 1024 ** 3;

export interface PdOptions {
  type: PdType;
  regional: boolean;
  /** Zones as given (any spelling resolveZone takes); resolved by the driver. */
  replicaZones?: string[];
  fsType: string;
}

function flag(key: string, value: string | number | boolean): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw invalidArgument(`disk option ${key} must be true or false, got ${JSON.stringify(value)}`, {
    option: key,
  });
}

/** Reads and checks `options`; InvalidArgument naming the option. */
export function pdOptions(options: DiskOptions | undefined, defaultType: PdType): PdOptions {
  const o = options ?? {};
  const unknown = Object.keys(o).filter((k) => !KNOWN_OPTIONS.includes(k));
  if (unknown.length > 0) {
    throw invalidArgument(
      `unknown disk option ${unknown.join(', ')} for gke (known: ${KNOWN_OPTIONS.join(', ')})`,
      { option: unknown[0]! },
    );
  }
  const type = o.type === undefined ? defaultType : String(o.type);
  if (!(PD_TYPES as readonly string[]).includes(type)) {
    throw invalidArgument(`disk option type "${type}" is not one of ${PD_TYPES.join(', ')}`, {
      option: 'type',
    });
  }
  const fsType = o.fsType === undefined ? 'ext4' : String(o.fsType);
  if (!FS_TYPES.includes(fsType)) {
    throw invalidArgument(`disk option fsType "${fsType}" is not one of ${FS_TYPES.join(', ')}`, {
      option: 'fsType',
    });
  }
  const replicaZones =
    o.replicaZones === undefined
      ? undefined
      : String(o.replicaZones)
          .split(',')
          .map((z) => z.trim())
          .filter((z) => z !== '');
  const regional =
    o.zoneRedundant === undefined ? replicaZones !== undefined : flag('zoneRedundant', o.zoneRedundant);
  if (replicaZones !== undefined) {
    if (!regional) {
      throw invalidArgument('disk option replicaZones is for regional disks (zoneRedundant: true)', {
        option: 'replicaZones',
      });
    }
    if (replicaZones.length !== 2 || replicaZones[0] === replicaZones[1]) {
      throw invalidArgument('disk option replicaZones must name two different zones', {
        option: 'replicaZones',
      });
    }
  }
  return { type: type as PdType, regional, fsType, ...(replicaZones ? { replicaZones } : {}) };
}

/** The size Compute Engine is asked for, in GB: at least the type's minimum. */
export function sizeGb(sizeBytes: number, opts: Pick<PdOptions, 'type' | 'regional'>): number {
  if (!Number.isFinite(sizeBytes) || sizeBytes <= 0) {
    throw invalidArgument(`disk size must be positive, got ${sizeBytes}`, { option: 'size' });
  }
  const minimum = opts.regional && opts.type === 'pd-standard' ? 200 : 10;
  const gb = Math.max(minimum, Math.ceil(sizeBytes / GiB));
  if (gb > MAX_GB) {
    throw invalidArgument(`disk size ${gb} GB is more than the ${MAX_GB} GB a persistent disk holds`, {
      option: 'size',
    });
  }
  return gb;
}
