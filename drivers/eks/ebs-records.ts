// How EBS volumes and snapshots read as the driver-neutral Disk and Snapshot. Everything Kompox
// knows about them beyond what EC2 keeps (names, the assigned flag, the operation key, where a
// snapshot came from) is in their `kompox-*` tags, so any worker rebuilds the same records.
import type { Snapshot as Ec2Snapshot, Tag, TagSpecification, Volume } from '@aws-sdk/client-ec2';
import type { Attachment, Disk, DiskOptions, ResourceState, Snapshot } from '../driver';
import { TAG, type Tags, isAssignedTag } from '../tags';
import { GiB } from './ebs-options';

/** Tags only the eks driver writes, besides the shared ones in tags.ts. */
export const EBS_TAG = {
  /** A disk made from a Kompox snapshot: its name (the volume's SnapshotId is the handle). */
  sourceSnapshot: 'kompox-source-snapshot',
  /** The `fsType` option a disk was created with, for pvSource. */
  fsType: 'kompox-fs-type',
  /** A snapshot's disk: its Kompox name and volume id (a copy's VolumeId is not the source's). */
  sourceDisk: 'kompox-source-disk',
  sourceVolumeId: 'kompox-source-volume-id',
  /** A cross-region copy: the snapshot it was copied from. */
  copiedFrom: 'kompox-copied-from',
  copiedFromRegion: 'kompox-copied-from-region',
  copiedFromId: 'kompox-copied-from-id',
} as const;

/** The console's name tag: written on create, left out of the Kompox tags. */
export const NAME_TAG = 'Name';

export function tagsOf(list: Tag[] | undefined): Tags {
  const out: Tags = {};
  for (const t of list ?? []) if (t.Key !== undefined && t.Key !== NAME_TAG) out[t.Key] = t.Value ?? '';
  return out;
}

export function tagList(tags: Tags): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function volumeState(state: string | undefined): ResourceState {
  switch (state) {
    case 'creating':
      return 'creating';
    case 'available':
    case 'in-use':
      return 'ready';
    case 'deleting':
    case 'deleted':
      return 'deleting';
    default:
      return 'failed';
  }
}

function snapshotState(state: string | undefined): ResourceState {
  switch (state) {
    case 'pending':
    case 'recovering':
      return 'creating';
    case 'completed':
      return 'ready';
    default:
      return 'failed';
  }
}

const iso = (d: Date | undefined): string => (d ?? new Date(0)).toISOString();

export function volumeToDisk(v: Volume, region: string): Disk {
  const tags = tagsOf(v.Tags);
  const zone = v.AvailabilityZone ?? '';
  const options: DiskOptions = { type: v.VolumeType ?? 'standard', encrypted: v.Encrypted === true };
  if (v.Iops !== undefined) options.iops = v.Iops;
  if (v.Throughput !== undefined) options.throughput = v.Throughput;
  if (v.KmsKeyId !== undefined) options.kmsKeyId = v.KmsKeyId;
  const fsType = tags[EBS_TAG.fsType];
  if (fsType !== undefined) options.fsType = fsType;
  const snapshotId = v.SnapshotId ?? '';
  const fromKompox = tags[EBS_TAG.sourceSnapshot];
  return {
    name: tags[TAG.diskName] ?? '',
    volumeName: tags[TAG.volume] ?? '',
    appName: tags[TAG.app] ?? '',
    assigned: isAssignedTag(tags),
    size: (v.Size ?? 0) * GiB,
    zone,
    zones: zone === '' ? [] : [zone],
    region,
    zoneRedundant: false,
    handle: v.VolumeId ?? '',
    state: volumeState(v.State),
    createdAt: iso(v.CreateTime),
    updatedAt: iso(v.CreateTime),
    options,
    tags,
    ...(snapshotId === ''
      ? {}
      : {
          source:
            fromKompox === undefined
              ? { kind: 'provider' as const, name: snapshotId, handle: snapshotId }
              : { kind: 'snapshot' as const, name: fromKompox, handle: snapshotId },
        }),
  };
}

export function ec2SnapshotToSnapshot(s: Ec2Snapshot, region: string): Snapshot {
  const tags = tagsOf(s.Tags);
  const state = snapshotState(s.State);
  const copiedFrom = tags[EBS_TAG.copiedFrom];
  return {
    name: tags[TAG.snapshotName] ?? '',
    volumeName: tags[TAG.volume] ?? '',
    appName: tags[TAG.app] ?? '',
    size: (s.VolumeSize ?? 0) * GiB,
    region,
    handle: s.SnapshotId ?? '',
    state,
    ready: state === 'ready',
    incremental: true,
    createdAt: iso(s.StartTime),
    updatedAt: iso(s.StartTime),
    sourceDisk: {
      name: tags[EBS_TAG.sourceDisk] ?? '',
      handle: tags[EBS_TAG.sourceVolumeId] ?? s.VolumeId ?? '',
    },
    ...(copiedFrom === undefined
      ? {}
      : {
          copiedFrom: {
            name: copiedFrom,
            region: tags[EBS_TAG.copiedFromRegion] ?? '',
            handle: tags[EBS_TAG.copiedFromId] ?? '',
          },
        }),
    tags,
  };
}

/** Attachments EC2 lists for a volume, without finished detaches. */
export function attachmentsOf(v: Volume | undefined): Attachment[] {
  const out: Attachment[] = [];
  for (const a of v?.Attachments ?? []) {
    if (a.InstanceId === undefined || a.State === 'detached') continue;
    const state = a.State === 'attaching' || a.State === 'detaching' ? a.State : 'attached';
    out.push({ instanceId: a.InstanceId, state });
  }
  return out;
}

/** TagSpecifications for a create: the Kompox tags plus a console `Name`. */
export function tagSpec(resourceType: 'volume' | 'snapshot', tags: Tags, name: string): TagSpecification[] {
  return [{ ResourceType: resourceType, Tags: tagList({ ...tags, [NAME_TAG]: `kompox ${name}` }) }];
}
