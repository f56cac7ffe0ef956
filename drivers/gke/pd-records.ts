// How Persistent Disks and snapshots read as the driver-neutral Disk and Snapshot. Everything
// Kompox knows beyond what Compute Engine keeps (names, the assigned flag, the operation key,
// where a disk came from) is in their `kompox-*` labels, so any worker rebuilds the same records.
//
// Copies: snapshots are global, so a copy to another region is a record, not data. It lives as
// three labels on the source snapshot, keyed by the target region (its name, its operation key,
// when it was made), and reads as a Snapshot of that region with the same handle. Deleting the
// source while copies remain only hides it (`kompox-deleted`); the data goes with the last name.
import type { Attachment, Disk, ResourceState, Snapshot } from '../driver';
import { TAG, type Tags, isAssignedTag } from '../tags';
import type { GceDisk, GceSnapshot } from './compute-calls';
import {
  type DiskScope,
  diskPath,
  lastSegment,
  parseDiskPath,
  parseSnapshotPath,
  regionOfScope,
  snapshotPath,
} from './names';
import { GiB } from './pd-options';

/** Labels only the gke driver writes, besides the shared ones in tags.ts. */
export const GKE_LABEL = {
  /** A disk made from a Kompox snapshot or disk: its Kompox name. */
  sourceSnapshot: 'kompox-source-snapshot',
  sourceDisk: 'kompox-source-disk',
  /** The `fsType` option a disk was created with, for pvSource. */
  fsType: 'kompox-fs-type',
  /** A snapshot whose own name was deleted while copies still use its data. */
  deleted: 'kompox-deleted',
} as const;

/** The three labels of a copy of a snapshot to `region`. */
export function copyLabels(region: string): { name: string; key: string; at: string } {
  return { name: `kompox-copy-${region}`, key: `kompox-copykey-${region}`, at: `kompox-copyat-${region}` };
}
const COPY_NAME = /^kompox-copy-(.+)$/;

function iso(t: string | null | undefined): string {
  const ms = t ? Date.parse(t) : NaN;
  return new Date(Number.isNaN(ms) ? 0 : ms).toISOString();
}

function diskState(status: string | null | undefined): ResourceState {
  switch (String(status)) {
    case 'CREATING':
    case 'RESTORING':
      return 'creating';
    case 'READY':
      return 'ready';
    case 'DELETING':
      return 'deleting';
    default:
      return 'failed';
  }
}

function snapshotState(status: string | null | undefined): ResourceState {
  switch (String(status)) {
    case 'CREATING':
    case 'UPLOADING':
      return 'creating';
    case 'READY':
      return 'ready';
    case 'DELETING':
      return 'deleting';
    default:
      return 'failed';
  }
}

export function labelsOf(item: { labels?: Record<string, string> | null }): Tags {
  return { ...(item.labels ?? {}) };
}

/** Where a disk lives, from its zone or region URL. */
export function scopeOf(d: GceDisk): DiskScope {
  return d.region
    ? { kind: 'region', region: lastSegment(d.region) }
    : { kind: 'zone', zone: lastSegment(d.zone) };
}

export function diskToRecord(d: GceDisk, project: string): Disk {
  const tags = labelsOf(d);
  const scope = scopeOf(d);
  const regional = scope.kind === 'region';
  const zones = regional ? (d.replicaZones ?? []).map(lastSegment) : [lastSegment(d.zone)];
  const snapshot = d.sourceSnapshot ? parseSnapshotPath(d.sourceSnapshot) : undefined;
  const source = d.sourceDisk ? parseDiskPath(d.sourceDisk) : undefined;
  const created = iso(d.creationTimestamp);
  return {
    name: tags[TAG.diskName] ?? '',
    volumeName: tags[TAG.volume] ?? '',
    appName: tags[TAG.app] ?? '',
    assigned: isAssignedTag(tags),
    size: Number(d.sizeGb ?? 0) * GiB,
    zone: regional ? '' : zones[0]!,
    zones,
    region: regionOfScope(scope),
    zoneRedundant: regional,
    handle: diskPath(project, scope, d.name ?? ''),
    state: diskState(d.status),
    createdAt: created,
    updatedAt: created,
    options: {
      type: lastSegment(d.type),
      fsType: tags[GKE_LABEL.fsType] ?? 'ext4',
      zoneRedundant: regional,
    },
    tags,
    ...(snapshot !== undefined
      ? {
          source: {
            kind:
              tags[GKE_LABEL.sourceSnapshot] === undefined ? ('provider' as const) : ('snapshot' as const),
            name: tags[GKE_LABEL.sourceSnapshot] ?? snapshot.name,
            handle: snapshotPath(snapshot.project, snapshot.name),
          },
        }
      : source !== undefined
        ? {
            source: {
              kind: 'disk' as const,
              name: tags[GKE_LABEL.sourceDisk] ?? source.name,
              handle: diskPath(source.project, source.scope, source.name),
            },
          }
        : {}),
  };
}

/** Instances a disk is attached to (their URLs). */
export function attachmentsOf(d: GceDisk | undefined): Attachment[] {
  return (d?.users ?? []).map((instanceId) => ({ instanceId, state: 'attached' as const }));
}

/** The record of a snapshot under its own name (undefined once that name is deleted). */
export function snapshotToRecord(s: GceSnapshot, project: string): Snapshot | undefined {
  const tags = labelsOf(s);
  if (tags[GKE_LABEL.deleted] === 'true') return undefined;
  return baseSnapshot(s, project, tags);
}

function baseSnapshot(s: GceSnapshot, project: string, tags: Tags): Snapshot {
  const disk = s.sourceDisk ? parseDiskPath(s.sourceDisk) : undefined;
  const state = snapshotState(s.status);
  const created = iso(s.creationTimestamp);
  const own: Tags = Object.fromEntries(Object.entries(tags).filter(([k]) => !k.startsWith('kompox-copy')));
  return {
    name: tags[TAG.snapshotName] ?? '',
    volumeName: tags[TAG.volume] ?? '',
    appName: tags[TAG.app] ?? '',
    size: Number(s.diskSizeGb ?? 0) * GiB,
    region: disk === undefined ? '' : regionOfScope(disk.scope),
    handle: snapshotPath(project, s.name ?? ''),
    state,
    ready: state === 'ready',
    incremental: true,
    createdAt: created,
    updatedAt: created,
    sourceDisk: {
      name: tags[GKE_LABEL.sourceDisk] ?? disk?.name ?? '',
      handle: disk === undefined ? '' : diskPath(disk.project, disk.scope, disk.name),
    },
    tags: own,
  };
}

/** The copies recorded on a snapshot: one Snapshot per target region, sharing its handle. */
export function copiesOf(s: GceSnapshot, project: string): Snapshot[] {
  const tags = labelsOf(s);
  const source = baseSnapshot(s, project, tags);
  const out: Snapshot[] = [];
  for (const [key, name] of Object.entries(tags)) {
    const region = COPY_NAME.exec(key)?.[1];
    if (region === undefined || key.startsWith('kompox-copykey-') || key.startsWith('kompox-copyat-'))
      continue;
    const labels = copyLabels(region);
    const at = Number(tags[labels.at] ?? '0');
    const when = new Date(at * 1000).toISOString();
    out.push({
      ...source,
      name,
      region,
      createdAt: when,
      updatedAt: when,
      copiedFrom: { name: source.name, region: source.region, handle: source.handle },
      tags: { ...source.tags, [TAG.snapshotName]: name, [TAG.operationKey]: tags[labels.key] ?? '' },
    });
  }
  return out;
}

/** Every Kompox snapshot a Compute Engine snapshot stands for: its own name and its copies. */
export function snapshotRecords(s: GceSnapshot, project: string): Snapshot[] {
  const own = snapshotToRecord(s, project);
  return [...(own === undefined ? [] : [own]), ...copiesOf(s, project)];
}
