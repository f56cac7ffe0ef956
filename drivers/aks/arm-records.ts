// How managed disks and snapshots read as the driver-neutral Disk and Snapshot. Everything Kompox
// knows beyond what Azure keeps (names, the assigned flag, the operation key, where a disk or
// snapshot came from) is in their `kompox-*` tags, so any worker rebuilds the same records.
import type { Disk as ArmDisk, Snapshot as ArmSnapshot } from '@azure/arm-compute';
import type { Attachment, Disk, DiskOptions, ResourceState, Snapshot } from '../driver';
import { TAG, type Tags, isAssignedTag } from '../tags';
import { vmOfArmId } from './arm-names';
import { GiB, isZoneRedundantSku } from './disk-options';
import type { AksZones } from './zones';

/** Tags only the aks driver writes, besides the shared ones in tags.ts. */
export const AKS_TAG = {
  /** A disk made from a Kompox snapshot or disk: its Kompox name (creationData holds the id). */
  sourceSnapshot: 'kompox-source-snapshot',
  sourceDisk: 'kompox-source-disk',
  /** Options Azure does not keep, for pvSource. */
  fsType: 'kompox-fs-type',
  cachingMode: 'kompox-caching-mode',
  /** A cross-region copy: the snapshot it was copied from. */
  copiedFrom: 'kompox-copied-from',
  copiedFromRegion: 'kompox-copied-from-region',
} as const;

function provisioningState(state: string | undefined): ResourceState {
  switch ((state ?? '').toLowerCase()) {
    case 'succeeded':
    case 'updating':
      return 'ready';
    case 'creating':
    case 'accepted':
    case '':
      return 'creating';
    case 'deleting':
      return 'deleting';
    default:
      return 'failed';
  }
}

const iso = (d: Date | undefined): string => (d ?? new Date(0)).toISOString();

export function armDiskToDisk(d: ArmDisk, zones: AksZones): Disk {
  const tags: Tags = { ...d.tags };
  const region = d.location;
  const sku = d.sku?.name ?? '';
  const zoneRedundant = isZoneRedundantSku(sku);
  const apiZones = d.zones ?? [];
  const zoneInfos = zoneRedundant ? safeZones(zones, region) : apiZones.map((z) => zones.zone(region, z));
  const options: DiskOptions = { sku };
  const fsType = tags[AKS_TAG.fsType];
  if (fsType !== undefined) options.fsType = fsType;
  const cachingMode = tags[AKS_TAG.cachingMode];
  if (cachingMode !== undefined) options.cachingMode = cachingMode;
  const sourceId = d.creationData?.sourceResourceId ?? '';
  const fromSnapshot = tags[AKS_TAG.sourceSnapshot];
  const fromDisk = tags[AKS_TAG.sourceDisk];
  return {
    name: tags[TAG.diskName] ?? '',
    volumeName: tags[TAG.volume] ?? '',
    appName: tags[TAG.app] ?? '',
    assigned: isAssignedTag(tags),
    size: d.diskSizeBytes ?? (d.diskSizeGB ?? 0) * GiB,
    zone: zoneRedundant ? '' : (zoneInfos[0]?.kom ?? ''),
    zones: zoneInfos.map((z) => z.kom),
    region,
    zoneRedundant,
    handle: d.id ?? '',
    state: provisioningState(d.provisioningState),
    createdAt: iso(d.timeCreated),
    updatedAt: iso(d.timeCreated),
    options,
    tags,
    ...(sourceId === ''
      ? {}
      : {
          source:
            fromSnapshot !== undefined
              ? { kind: 'snapshot' as const, name: fromSnapshot, handle: sourceId }
              : fromDisk !== undefined
                ? { kind: 'disk' as const, name: fromDisk, handle: sourceId }
                : { kind: 'provider' as const, name: sourceId, handle: sourceId },
        }),
  };
}

/** The zones of a region, or none when the driver does not see it (a disk found by listing). */
function safeZones(zones: AksZones, region: string) {
  return zones.regions.includes(region) ? zones.zonesOf(region) : [];
}

export function armSnapshotToSnapshot(s: ArmSnapshot): Snapshot {
  const tags: Tags = { ...s.tags };
  let state = provisioningState(s.provisioningState);
  // A CopyStart copy is provisioned long before its data has arrived; a new incremental
  // snapshot may still be Pending (not yet usable for a disk).
  if (state === 'ready' && s.completionPercent !== undefined && s.completionPercent < 100) state = 'creating';
  if (state === 'ready' && s.snapshotAccessState === 'Pending') state = 'creating';
  if (s.copyCompletionError !== undefined) state = 'failed';
  const copiedFrom = tags[AKS_TAG.copiedFrom];
  return {
    name: tags[TAG.snapshotName] ?? '',
    volumeName: tags[TAG.volume] ?? '',
    appName: tags[TAG.app] ?? '',
    size: s.diskSizeBytes ?? (s.diskSizeGB ?? 0) * GiB,
    region: s.location,
    handle: s.id ?? '',
    state,
    ready: state === 'ready',
    incremental: s.incremental === true,
    createdAt: iso(s.timeCreated),
    updatedAt: iso(s.timeCreated),
    sourceDisk: {
      name: tags[AKS_TAG.sourceDisk] ?? '',
      handle: copiedFrom === undefined ? (s.creationData?.sourceResourceId ?? '') : '',
    },
    ...(copiedFrom === undefined
      ? {}
      : {
          copiedFrom: {
            name: copiedFrom,
            region: tags[AKS_TAG.copiedFromRegion] ?? '',
            handle: s.creationData?.sourceResourceId ?? '',
          },
        }),
    tags,
  };
}

/** The VM a disk is attached to, from its managedBy (an unattached disk has none). */
export function attachmentsOf(d: ArmDisk): Attachment[] {
  const owner = d.managedBy ?? '';
  if (owner === '') return [];
  const vm = vmOfArmId(owner);
  return [{ instanceId: owner, ...(vm?.kind === 'vm' ? { nodeName: vm.name } : {}), state: 'attached' }];
}
