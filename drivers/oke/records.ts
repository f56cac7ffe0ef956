// How OCI block volumes and volume backups read as the driver-neutral Disk and Snapshot.
// Everything Kompox knows beyond what OCI keeps is in their freeform tags, so any worker rebuilds
// the same records. A cross-region copy starts with its source's tags (OCI copies them): until
// the driver has written the copy's own tags it is no Kompox snapshot (`isOwnBackup`).
import type { models } from 'oci-core';
import type { Disk, DiskOptions, ResourceState, Snapshot } from '../driver';
import { TAG, type Tags, isAssignedTag, tagsMatch } from '../tags';
import type { OkeZones } from './zones';

export const GiB = 1024 ** 3;

/** Tags only the oke driver writes, besides the shared ones in tags.ts. */
export const OKE_TAG = {
  sourceSnapshot: 'kompox-source-snapshot',
  sourceDisk: 'kompox-source-disk',
  sourceVolumeId: 'kompox-source-volume-id',
  fsType: 'kompox-fs-type',
  copiedFrom: 'kompox-copied-from',
  copiedFromRegion: 'kompox-copied-from-region',
  copiedFromId: 'kompox-copied-from-id',
} as const;

const iso = (d: Date | string | undefined): string =>
  (d === undefined ? new Date(0) : new Date(d)).toISOString();

function volumeState(state: string | undefined): ResourceState {
  switch (state) {
    case 'PROVISIONING':
    case 'RESTORING':
      return 'creating';
    case 'AVAILABLE':
      return 'ready';
    case 'TERMINATING':
    case 'TERMINATED':
      return 'deleting';
    default:
      return 'failed';
  }
}

function backupState(state: string | undefined): ResourceState {
  switch (state) {
    case 'CREATING':
    case 'REQUEST_RECEIVED':
      return 'creating';
    case 'AVAILABLE':
      return 'ready';
    case 'TERMINATING':
    case 'TERMINATED':
      return 'deleting';
    default:
      return 'failed';
  }
}

export function volumeToDisk(v: models.Volume, region: string, zones: OkeZones): Disk {
  const tags: Tags = { ...v.freeformTags };
  const zone = zones.byApiName(v.availabilityDomain)?.kom ?? v.availabilityDomain;
  const options: DiskOptions = { vpusPerGB: v.vpusPerGB ?? 10 };
  const fsType = tags[OKE_TAG.fsType];
  if (fsType !== undefined) options.fsType = fsType;
  const src = v.sourceDetails as { type?: string; id?: string } | undefined;
  const fromSnapshot = tags[OKE_TAG.sourceSnapshot];
  const fromDisk = tags[OKE_TAG.sourceDisk];
  let source: Disk['source'];
  if (src?.id !== undefined) {
    source =
      src.type === 'volume' && fromDisk !== undefined
        ? { kind: 'disk', name: fromDisk, handle: src.id }
        : fromSnapshot !== undefined
          ? { kind: 'snapshot', name: fromSnapshot, handle: src.id }
          : { kind: 'provider', name: src.id, handle: src.id };
  }
  return {
    name: tags[TAG.diskName] ?? '',
    volumeName: tags[TAG.volume] ?? '',
    appName: tags[TAG.app] ?? '',
    assigned: isAssignedTag(tags),
    size: Number(v.sizeInGBs ?? 0) * GiB,
    zone,
    zones: [zone],
    region,
    zoneRedundant: false,
    handle: v.id,
    state: volumeState(v.lifecycleState),
    createdAt: iso(v.timeCreated),
    updatedAt: iso(v.timeCreated),
    options,
    tags,
    ...(source === undefined ? {} : { source }),
  };
}

/** False for a copy still carrying only its source's tags (the driver has not tagged it yet). */
export function isOwnBackup(b: models.VolumeBackup): boolean {
  if (!b.sourceVolumeBackupId) return true;
  // Written through tagValue, like every tag value (OCIDs hold dots).
  return tagsMatch(b.freeformTags ?? {}, { [OKE_TAG.copiedFromId]: b.sourceVolumeBackupId });
}

export function backupToSnapshot(b: models.VolumeBackup, region: string): Snapshot {
  const tags: Tags = { ...b.freeformTags };
  const state = backupState(b.lifecycleState);
  const copiedFrom = tags[OKE_TAG.copiedFrom];
  return {
    name: tags[TAG.snapshotName] ?? '',
    volumeName: tags[TAG.volume] ?? '',
    appName: tags[TAG.app] ?? '',
    size: Number(b.sizeInGBs ?? 0) * GiB,
    region,
    handle: b.id,
    state,
    ready: state === 'ready',
    incremental: b.type === 'INCREMENTAL',
    createdAt: iso(b.timeCreated),
    updatedAt: iso(b.timeCreated),
    // Tag values are sanitised (OCIDs hold dots): the OCIDs come from OCI's own fields.
    sourceDisk: {
      name: tags[OKE_TAG.sourceDisk] ?? '',
      handle: b.volumeId ?? tags[OKE_TAG.sourceVolumeId] ?? '',
    },
    ...(copiedFrom === undefined
      ? {}
      : {
          copiedFrom: {
            name: copiedFrom,
            region: tags[OKE_TAG.copiedFromRegion] ?? '',
            handle: b.sourceVolumeBackupId ?? tags[OKE_TAG.copiedFromId] ?? '',
          },
        }),
    tags,
  };
}
