// Compute Engine names and paths for Kompox resources. A disk or snapshot's GCE name is derived
// from its Kompox identity (workspace, provider, app, volume, name), so a retried create asks
// for the same name and Compute Engine's 409 tells it the disk is there; a readable prefix keeps
// the console legible and a hash keeps names of two workspaces in one project apart.
// Handles are the paths the PD CSI driver takes as volumeHandle.
import { createHash } from 'node:crypto';
import { invalidArgument } from '../errors';

const MAX = 63;
const HASH = 10;

/** RFC 1035 name: `kd-` (disks) or `ks-` (snapshots), readable part, hash of the identity. */
export function gceName(
  kind: 'disk' | 'snapshot',
  id: { workspace: string; provider: string; app: string; volume: string; name: string },
): string {
  const hash = createHash('sha256')
    .update([id.workspace, id.provider, id.app, id.volume, id.name].join('\n'), 'utf8')
    .digest('hex')
    .slice(0, HASH);
  const prefix = kind === 'disk' ? 'kd-' : 'ks-';
  const room = MAX - prefix.length - HASH - 1;
  const readable = `${id.app}-${id.volume}-${id.name}`.slice(0, room).replace(/-+$/, '');
  return `${prefix}${readable}-${hash}`;
}

/** Where a disk lives: one zone, or a region for a regional PD. */
export type DiskScope = { kind: 'zone'; zone: string } | { kind: 'region'; region: string };

export function diskPath(project: string, scope: DiskScope, name: string): string {
  return scope.kind === 'zone'
    ? `projects/${project}/zones/${scope.zone}/disks/${name}`
    : `projects/${project}/regions/${scope.region}/disks/${name}`;
}

export function snapshotPath(project: string, name: string): string {
  return `projects/${project}/global/snapshots/${name}`;
}

const DISK_PATH = /(?:^|\/)projects\/([^/]+)\/(zones|regions)\/([^/]+)\/disks\/([^/]+)$/;
const SNAPSHOT_PATH = /(?:^|\/)projects\/([^/]+)\/global\/snapshots\/([^/]+)$/;
const LAST = /\/([^/]+)$/;

/** Project, scope and name of a disk path or URL; undefined for anything else. */
export function parseDiskPath(path: string): { project: string; scope: DiskScope; name: string } | undefined {
  const m = DISK_PATH.exec(path);
  if (m === null) return undefined;
  const scope: DiskScope =
    m[2] === 'zones' ? { kind: 'zone', zone: m[3]! } : { kind: 'region', region: m[3]! };
  return { project: m[1]!, scope, name: m[4]! };
}

export function parseSnapshotPath(path: string): { project: string; name: string } | undefined {
  const m = SNAPSHOT_PATH.exec(path);
  return m === null ? undefined : { project: m[1]!, name: m[2]! };
}

/** The last segment of a Compute Engine URL (`…/zones/us-central1-a` → `us-central1-a`). */
export function lastSegment(url: string | null | undefined): string {
  if (!url) return '';
  return LAST.exec(url)?.[1] ?? url;
}

/** The region of a zone name (`us-central1-a` → `us-central1`). */
export function regionOfZone(zone: string): string {
  const cut = zone.lastIndexOf('-');
  if (cut <= 0) throw invalidArgument(`"${zone}" is not a GCP zone name (like us-central1-a)`);
  return zone.slice(0, cut);
}

/** The region a disk path's scope is in. */
export function regionOfScope(scope: DiskScope): string {
  return scope.kind === 'zone' ? regionOfZone(scope.zone) : scope.region;
}
