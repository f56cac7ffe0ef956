// The disk options the aks driver accepts, checked before any call so a bad request fails fast
// with the option named. SKUs are the managed disk SKUs of the Compute API (DiskStorageAccountTypes);
// the two ZRS SKUs make zone-redundant disks, which span every zone of their region.
import type { DiskOptions } from '../driver';
import { invalidArgument } from '../errors';

export const DISK_SKUS = [
  'Premium_LRS',
  'StandardSSD_LRS',
  'Standard_LRS',
  'PremiumV2_LRS',
  'UltraSSD_LRS',
  'Premium_ZRS',
  'StandardSSD_ZRS',
] as const;
export type DiskSku = (typeof DISK_SKUS)[number];

const FS_TYPES = ['ext4', 'xfs', 'ext3', 'ext2'];
const CACHING_MODES = ['None', 'ReadOnly', 'ReadWrite'];
const KNOWN_OPTIONS = ['sku', 'fsType', 'cachingMode', 'zoneRedundant'];
/** Largest disk in GiB: 64 TiB for Premium SSD v2 and Ultra, 32 TiB for the others. */
const MAX_GIB: Partial<Record<DiskSku, number>> = { PremiumV2_LRS: 65_536, UltraSSD_LRS: 65_536 };
const DEFAULT_MAX_GIB = 32_767;

export const GiB = 1024 ** 3;

export interface AksDiskOptions {
  sku: DiskSku;
  zoneRedundant: boolean;
  fsType?: string;
  cachingMode?: string;
}

export function isZoneRedundantSku(sku: string): boolean {
  return sku.endsWith('_ZRS');
}

/** The ZRS sibling of an LRS SKU, for `zoneRedundant: true` without a ZRS `sku`. */
function zoneRedundantSku(sku: DiskSku): DiskSku {
  if (isZoneRedundantSku(sku)) return sku;
  if (sku === 'Premium_LRS') return 'Premium_ZRS';
  if (sku === 'StandardSSD_LRS') return 'StandardSSD_ZRS';
  throw invalidArgument(`${sku} has no zone-redundant variant (use Premium_ZRS or StandardSSD_ZRS)`, {
    option: 'zoneRedundant',
  });
}

function oneOf(key: string, value: string, allowed: readonly string[]): string {
  if (!allowed.includes(value))
    throw invalidArgument(`disk option ${key} "${value}" is not one of ${allowed.join(', ')}`, {
      option: key,
    });
  return value;
}

/** Reads and checks `options` with the provider default SKU; InvalidArgument naming the option. */
export function aksDiskOptions(options: DiskOptions | undefined, defaultSku: DiskSku): AksDiskOptions {
  const o = options ?? {};
  const unknown = Object.keys(o).filter((k) => !KNOWN_OPTIONS.includes(k));
  if (unknown.length > 0) {
    throw invalidArgument(
      `unknown disk option ${unknown.join(', ')} for aks (known: ${KNOWN_OPTIONS.join(', ')})`,
      { option: unknown[0]! },
    );
  }
  let sku = (o.sku === undefined ? defaultSku : oneOf('sku', String(o.sku).trim(), DISK_SKUS)) as DiskSku;
  const wantZrs =
    o.zoneRedundant === undefined ? undefined : o.zoneRedundant === true || o.zoneRedundant === 'true';
  if (o.zoneRedundant !== undefined && !wantZrs && o.zoneRedundant !== false && o.zoneRedundant !== 'false')
    throw invalidArgument('disk option zoneRedundant must be true or false', { option: 'zoneRedundant' });
  if (wantZrs === true) sku = zoneRedundantSku(sku);
  if (wantZrs === false && isZoneRedundantSku(sku))
    throw invalidArgument(`sku ${sku} is zone-redundant but zoneRedundant is false`, {
      option: 'zoneRedundant',
    });
  const out: AksDiskOptions = { sku, zoneRedundant: isZoneRedundantSku(sku) };
  if (o.fsType !== undefined) out.fsType = oneOf('fsType', String(o.fsType).trim(), FS_TYPES);
  if (o.cachingMode !== undefined)
    out.cachingMode = oneOf('cachingMode', String(o.cachingMode).trim(), CACHING_MODES);
  return out;
}

/** Whole GiB for `sizeBytes` (managed disk sizes are whole GiB), rounded up as provisioners do. */
export function sizeGiB(sizeBytes: number): number {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0)
    throw invalidArgument(`disk size must be a positive whole number of bytes, got ${sizeBytes}`);
  return Math.ceil(sizeBytes / GiB);
}

/** InvalidArgument unless `gib` is a size disks of `sku` can have. */
export function checkSize(sku: DiskSku, gib: number): void {
  const max = MAX_GIB[sku] ?? DEFAULT_MAX_GIB;
  if (gib > max)
    throw invalidArgument(`disk size ${gib} GiB is larger than ${sku} disks can be (${max} GiB)`, {
      option: 'size',
    });
}
