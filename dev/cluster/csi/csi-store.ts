// What the dev CSI plugin keeps: volumes and snapshots as directories with real data, and which
// node each volume is published to. Everything lives under one state dir of the cluster:
//
//   volumes/<id>/volume.json  data/      a volume; data/ is what the pod sees
//   snapshots/<id>/snapshot.json  data/  a snapshot: a full copy of its volume's data/
//   publications/<volume id>/<node id>   ControllerPublishVolume's record
//
// Ids derive from the request names, so a retried CreateVolume or CreateSnapshot finds what the
// first attempt made (CSI requires that). A volume or snapshot appears only once complete: it is
// built under a temporary name and renamed into place.
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface VolumeRecord {
  id: string;
  name: string;
  capacityBytes: number;
  /** Zone the volume was provisioned in (its accessible topology); absent: any zone. */
  zone?: string;
  sourceSnapshotId?: string;
  createdAt: string;
}

export interface SnapshotRecord {
  id: string;
  name: string;
  sourceVolumeId: string;
  sizeBytes: number;
  createdAt: string;
}

const idOf = (kind: 'v' | 's', name: string): string =>
  `${kind}-${createHash('sha256').update(name).digest('hex').slice(0, 20)}`;

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Bytes under a directory (a snapshot's size). */
async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}

export class CsiStore {
  constructor(readonly dir: string) {}

  volumeDir = (id: string): string => join(this.dir, 'volumes', id);
  volumeData = (id: string): string => join(this.volumeDir(id), 'data');
  private snapshotDir = (id: string): string => join(this.dir, 'snapshots', id);

  /** Creates the volume `name` (empty, or a copy of a snapshot), or returns it if it exists. */
  async createVolume(req: {
    name: string;
    capacityBytes: number;
    zone?: string;
    fromSnapshot?: string;
  }): Promise<{ volume: VolumeRecord; existed: boolean }> {
    const id = idOf('v', req.name);
    const existing = await this.getVolume(id);
    if (existing) return { volume: existing, existed: true };
    if (req.fromSnapshot !== undefined && !(await this.getSnapshot(req.fromSnapshot)))
      throw new NotFound(`snapshot ${req.fromSnapshot} does not exist`);
    const tmp = join(this.dir, 'volumes', `.tmp-${id}-${randomBytes(4).toString('hex')}`);
    await mkdir(join(tmp, 'data'), { recursive: true });
    if (req.fromSnapshot !== undefined)
      await cp(join(this.snapshotDir(req.fromSnapshot), 'data'), join(tmp, 'data'), {
        recursive: true,
        preserveTimestamps: true,
      });
    const volume: VolumeRecord = {
      id,
      name: req.name,
      capacityBytes: req.capacityBytes,
      ...(req.zone ? { zone: req.zone } : {}),
      ...(req.fromSnapshot ? { sourceSnapshotId: req.fromSnapshot } : {}),
      createdAt: new Date().toISOString(),
    };
    await writeFile(join(tmp, 'volume.json'), `${JSON.stringify(volume, null, 2)}\n`);
    await rename(tmp, this.volumeDir(id));
    return { volume, existed: false };
  }

  getVolume(id: string): Promise<VolumeRecord | undefined> {
    return readJson<VolumeRecord>(join(this.volumeDir(id), 'volume.json'));
  }

  async listVolumes(): Promise<VolumeRecord[]> {
    const root = join(this.dir, 'volumes');
    if (!existsSync(root)) return [];
    const ids = (await readdir(root)).filter((n) => !n.startsWith('.'));
    return (await Promise.all(ids.map((id) => this.getVolume(id)))).filter((v): v is VolumeRecord => !!v);
  }

  async publishedTo(volumeId: string): Promise<string[]> {
    const dir = join(this.dir, 'publications', volumeId);
    return existsSync(dir) ? readdir(dir) : [];
  }

  async deleteVolume(id: string): Promise<void> {
    const nodes = await this.publishedTo(id);
    if (nodes.length > 0)
      throw new FailedPrecondition(`volume ${id} is still published to ${nodes.join(', ')}`);
    // Moved aside first, so a half-deleted volume is never listed.
    const dir = this.volumeDir(id);
    if (!existsSync(dir)) return;
    const aside = join(this.dir, 'volumes', `.del-${id}-${randomBytes(4).toString('hex')}`);
    await rename(dir, aside);
    await rm(aside, { recursive: true, force: true });
  }

  async publish(volumeId: string, nodeId: string): Promise<void> {
    if (!(await this.getVolume(volumeId))) throw new NotFound(`volume ${volumeId} does not exist`);
    await mkdir(join(this.dir, 'publications', volumeId), { recursive: true });
    await writeFile(join(this.dir, 'publications', volumeId, nodeId), new Date().toISOString());
  }

  async unpublish(volumeId: string, nodeId: string): Promise<void> {
    await rm(join(this.dir, 'publications', volumeId, nodeId), { force: true });
  }

  /** Copies the volume's data as it is now into the snapshot `name`, or returns the existing one. */
  async createSnapshot(name: string, sourceVolumeId: string): Promise<SnapshotRecord> {
    const id = idOf('s', name);
    const existing = await this.getSnapshot(id);
    if (existing) {
      if (existing.sourceVolumeId !== sourceVolumeId)
        throw new AlreadyExists(`snapshot ${name} exists for another volume (${existing.sourceVolumeId})`);
      return existing;
    }
    if (!(await this.getVolume(sourceVolumeId)))
      throw new NotFound(`volume ${sourceVolumeId} does not exist`);
    const tmp = join(this.dir, 'snapshots', `.tmp-${id}-${randomBytes(4).toString('hex')}`);
    await mkdir(tmp, { recursive: true });
    await cp(this.volumeData(sourceVolumeId), join(tmp, 'data'), {
      recursive: true,
      preserveTimestamps: true,
    });
    const snapshot: SnapshotRecord = {
      id,
      name,
      sourceVolumeId,
      sizeBytes: await sizeOf(join(tmp, 'data')),
      createdAt: new Date().toISOString(),
    };
    await writeFile(join(tmp, 'snapshot.json'), `${JSON.stringify(snapshot, null, 2)}\n`);
    await rename(tmp, this.snapshotDir(id));
    return snapshot;
  }

  getSnapshot(id: string): Promise<SnapshotRecord | undefined> {
    return readJson<SnapshotRecord>(join(this.snapshotDir(id), 'snapshot.json'));
  }

  async listSnapshots(): Promise<SnapshotRecord[]> {
    const root = join(this.dir, 'snapshots');
    if (!existsSync(root)) return [];
    const ids = (await readdir(root)).filter((n) => !n.startsWith('.'));
    return (await Promise.all(ids.map((id) => this.getSnapshot(id)))).filter((s): s is SnapshotRecord => !!s);
  }

  async deleteSnapshot(id: string): Promise<void> {
    const dir = this.snapshotDir(id);
    if (!existsSync(dir)) return;
    const aside = join(this.dir, 'snapshots', `.del-${id}-${randomBytes(4).toString('hex')}`);
    await rename(dir, aside);
    await rm(aside, { recursive: true, force: true });
  }
}

/** Errors that map to gRPC status codes (csi-plugin.ts does the mapping). */
export class NotFound extends Error {}
export class FailedPrecondition extends Error {}
export class AlreadyExists extends Error {}
