// The disk options the eks driver accepts and the EBS rules it checks before any call, so a
// bad request fails fast with the option named instead of as an EC2 error after a round trip.
//
// Ranges are those the CreateVolume and ModifyVolume API reference gives (the doc comments of
// @aws-sdk/client-ec2 3.1169.0, CreateVolumeRequest.Size/Iops/Throughput): sizes in GiB, gp2
// 1-16,384, gp3 1-65,536, io1 4-16,384, io2 4-65,536, st1 and sc1 125-16,384, standard 1-1,024;
// IOPS gp3 3,000-80,000, io1 100-64,000, io2 100-256,000, required for io1 and io2, refused for
// the others; throughput 125-2,000 MiB/s for gp3 only; a KMS key needs encryption. The ratio
// rules (IOPS per GiB, throughput per IOPS) are left to EC2, whose InvalidParameterValue still
// becomes InvalidArgument.
import type { DiskOptions } from '../driver';
import { DriverError, invalidArgument } from '../errors';

export const EBS_VOLUME_TYPES = ['gp3', 'gp2', 'io2', 'io1', 'st1', 'sc1', 'standard'] as const;
export type EbsVolumeType = (typeof EBS_VOLUME_TYPES)[number];

const SIZE_GIB: Record<EbsVolumeType, [number, number]> = {
  gp2: [1, 16_384],
  gp3: [1, 65_536],
  io1: [4, 16_384],
  io2: [4, 65_536],
  st1: [125, 16_384],
  sc1: [125, 16_384],
  standard: [1, 1_024],
};
const IOPS: Partial<Record<EbsVolumeType, [number, number]>> = {
  gp3: [3_000, 80_000],
  io1: [100, 64_000],
  io2: [100, 256_000],
};
const THROUGHPUT: Partial<Record<EbsVolumeType, [number, number]>> = { gp3: [125, 2_000] };
const FS_TYPES = ['ext4', 'xfs', 'ext3', 'ext2'];
const KNOWN_OPTIONS = ['type', 'iops', 'throughput', 'encrypted', 'kmsKeyId', 'fsType', 'zoneRedundant'];

export const GiB = 1024 ** 3;

/** The options of one disk after defaults, as CreateVolume takes them. */
export interface EbsOptions {
  type: EbsVolumeType;
  iops?: number;
  throughput?: number;
  encrypted: boolean;
  kmsKeyId?: string;
  fsType?: string;
}

export interface EbsDefaults {
  volumeType: EbsVolumeType;
  kmsKeyId?: string;
}

function wholeNumber(key: string, value: string | number | boolean): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0)
    throw invalidArgument(
      `disk option ${key} must be a positive whole number, got ${JSON.stringify(value)}`,
      {
        option: key,
      },
    );
  return n;
}

function inRange(key: string, type: string, value: number, range: [number, number], unit: string): void {
  if (value < range[0] || value > range[1]) {
    throw invalidArgument(
      `disk option ${key} ${value} is out of range for ${type} volumes (${range[0]}-${range[1]} ${unit})`,
      { option: key },
    );
  }
}

/** Reads and checks `options` with the provider defaults; InvalidArgument naming the option. */
export function ebsOptions(options: DiskOptions | undefined, defaults: EbsDefaults): EbsOptions {
  const o = options ?? {};
  const unknown = Object.keys(o).filter((k) => !KNOWN_OPTIONS.includes(k));
  if (unknown.length > 0) {
    throw invalidArgument(
      `unknown disk option ${unknown.join(', ')} for eks (known: ${KNOWN_OPTIONS.join(', ')})`,
      { option: unknown[0]! },
    );
  }
  if (o.zoneRedundant === true || o.zoneRedundant === 'true') {
    throw new DriverError('Unsupported', 'EBS volumes live in one zone: eks has no zone-redundant disks', {
      details: { option: 'zoneRedundant' },
    });
  }
  const type = o.type === undefined ? defaults.volumeType : String(o.type).trim();
  if (!(EBS_VOLUME_TYPES as readonly string[]).includes(type)) {
    throw invalidArgument(
      `disk option type "${type}" is not an EBS volume type (use one of ${EBS_VOLUME_TYPES.join(', ')})`,
      { option: 'type' },
    );
  }
  const t = type as EbsVolumeType;
  const out: EbsOptions = { type: t, encrypted: false };
  for (const [key, ranges, unit] of [
    ['iops', IOPS, 'IOPS'],
    ['throughput', THROUGHPUT, 'MiB/s'],
  ] as const) {
    const raw = o[key];
    const range = ranges[t];
    if (raw === undefined) continue;
    if (range === undefined)
      throw invalidArgument(`disk option ${key} cannot be set for ${t} volumes`, { option: key });
    out[key] = wholeNumber(key, raw);
    inRange(key, t, out[key], range, unit);
  }
  if ((t === 'io1' || t === 'io2') && out.iops === undefined)
    throw invalidArgument(`disk option iops is required for ${t} volumes`, { option: 'iops' });

  const encrypted = o.encrypted === undefined ? undefined : o.encrypted === true || o.encrypted === 'true';
  if (o.encrypted !== undefined && !encrypted && o.encrypted !== false && o.encrypted !== 'false')
    throw invalidArgument(`disk option encrypted must be true or false`, { option: 'encrypted' });
  const kmsKeyId = o.kmsKeyId === undefined ? undefined : String(o.kmsKeyId).trim();
  if (kmsKeyId !== undefined && (kmsKeyId === '' || encrypted === false))
    throw invalidArgument('disk option kmsKeyId needs an encrypted disk (encrypted: true)', {
      option: 'kmsKeyId',
    });
  const key = kmsKeyId ?? (encrypted === false ? undefined : defaults.kmsKeyId);
  out.encrypted = encrypted ?? key !== undefined;
  if (key !== undefined) out.kmsKeyId = key;
  if (o.fsType !== undefined) {
    const fsType = String(o.fsType).trim();
    if (!FS_TYPES.includes(fsType))
      throw invalidArgument(`disk option fsType "${fsType}" is not one of ${FS_TYPES.join(', ')}`, {
        option: 'fsType',
      });
    out.fsType = fsType;
  }
  return out;
}

/**
 * Whole GiB for `sizeBytes`: EBS sizes are whole GiB, so a size in other units (500Mi, 100G) is
 * rounded up, as Kubernetes provisioners do; the disk then reports its real size.
 */
export function sizeGiB(sizeBytes: number): number {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0)
    throw invalidArgument(`disk size must be a positive whole number of bytes, got ${sizeBytes}`);
  return Math.ceil(sizeBytes / GiB);
}

/** InvalidArgument unless `gib` is a size `type` volumes can have. */
export function checkSize(type: EbsVolumeType, gib: number): void {
  const [min, max] = SIZE_GIB[type];
  if (gib < min || gib > max)
    throw invalidArgument(`disk size ${gib} GiB is out of range for ${type} volumes (${min}-${max} GiB)`, {
      option: 'size',
    });
}
