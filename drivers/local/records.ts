// What the local provider keeps in each meta.json, and how a record reads as the driver-neutral
// Disk / Snapshot. The `state` field is what lets an interrupted create finish the same disk
// on retry: a record is claimed as `creating` before any data is written, and only the step
// that completes the data flips it to `ready`.

import { join } from 'node:path';
import type { Attachment, Disk, DiskOptions, ResourceState, Snapshot } from '../driver';
import { DriverError, type DriverErrorCode } from '../errors';
import { isAssignedTag, type Tags } from '../tags';
import type { StoredRecord } from './record-store';

export interface LifecycleFields {
  state: ResourceState;
  /** Epoch ms at which the simulated operation completes (latency injection). */
  readyAt: number;
  /** Epoch ms at which a requested delete completes. */
  deleteAt?: number;
  updatedAt: string;
  requestHash: string;
  tags: Tags;
  failure?: { code: DriverErrorCode; message: string };
}

export interface DiskRecord extends StoredRecord, LifecycleFields {
  /** KOM zone; empty for a zone-redundant disk. */
  zone: string;
  region: string;
  /** Zone-redundant (`options.zoneRedundant`): usable from every zone of its region, as Azure ZRS. */
  zoneRedundant?: boolean;
  sizeBytes: number;
  options: DiskOptions;
  /** Where the content comes from; `archive` and `sha256` are set for a snapshot source. */
  source?: { kind: 'snapshot' | 'disk'; name: string; handle: string; archive?: string; sha256?: string };
  attachments: Attachment[];
}

export interface SnapshotRecord extends StoredRecord, LifecycleFields {
  region: string;
  incremental: boolean;
  sourceDisk: { name: string; handle: string };
  copiedFrom?: { name: string; region: string; handle: string; archive: string };
  /** Archive file name inside the snapshot directory, set once the data is complete. */
  archiveFile?: string;
  /** Checksum of the archive (for a copy: known from the source before the copy is made). */
  sha256?: string;
  dataBytes?: number;
  archiveBytes?: number;
}

export const DATA_DIR = 'data';

/** `regionZones`: the KOM names of the zones of the disk's region (what a zone-redundant disk spans). */
export function diskToDto(rec: DiskRecord, dir: string, regionZones: readonly string[]): Disk {
  return {
    name: rec.name,
    volumeName: rec.volume,
    appName: rec.app,
    assigned: isAssignedTag(rec.tags),
    size: rec.sizeBytes,
    zone: rec.zoneRedundant ? '' : rec.zone,
    zones: rec.zoneRedundant ? [...regionZones] : [rec.zone],
    region: rec.region,
    zoneRedundant: rec.zoneRedundant === true,
    handle: join(dir, DATA_DIR),
    state: rec.state,
    createdAt: rec.createdAt,
    updatedAt: rec.updatedAt,
    options: { ...rec.options },
    tags: { ...rec.tags },
    ...(rec.source === undefined
      ? {}
      : { source: { kind: rec.source.kind, name: rec.source.name, handle: rec.source.handle } }),
  };
}

export function snapshotToDto(rec: SnapshotRecord, dir: string): Snapshot {
  return {
    name: rec.name,
    volumeName: rec.volume,
    appName: rec.app,
    size: rec.dataBytes ?? 0,
    region: rec.region,
    handle: dir,
    state: rec.state,
    ready: rec.state === 'ready',
    incremental: rec.incremental,
    createdAt: rec.createdAt,
    updatedAt: rec.updatedAt,
    sourceDisk: { ...rec.sourceDisk },
    ...(rec.copiedFrom === undefined
      ? {}
      : {
          copiedFrom: {
            name: rec.copiedFrom.name,
            region: rec.copiedFrom.region,
            handle: rec.copiedFrom.handle,
          },
        }),
    tags: { ...rec.tags },
  };
}

/** The error a failed record keeps raising, so a retry sees the same non-retryable cause. */
export function failureError(kind: string, rec: StoredRecord & LifecycleFields): DriverError {
  const f = rec.failure ?? { code: 'Conflict' as const, message: 'failed' };
  return new DriverError(f.code, `${kind} ${rec.app}/${rec.volume}/${rec.name} failed: ${f.message}`, {
    details: { state: 'failed' },
  });
}

/** Fraction of a simulated operation's time that has passed. */
export function progressOf(rec: { createdAt: string; readyAt: number }, now: number): number {
  const start = Date.parse(rec.createdAt);
  const total = rec.readyAt - start;
  return total <= 0 ? 1 : Math.max(0, Math.min(1, (now - start) / total));
}
