// Durable records of local disks or snapshots: `<root>/<app>/<volume>/<name>/meta.json`, plus
// an index of idempotency keys `<keys>/<digest>.json` → name. This is the local stand-in for a
// cloud's resource list and its tags.
//
// Both files are published with link(2) (atomic-file.ts): the first writer of a name or a key
// wins and every later writer sees the winner's complete record. That is what makes concurrent
// creates with one idempotency key produce exactly one resource, across processes, with no lock
// that a SIGKILL could leave behind. Later changes to a record (mutate, remove) take the
// record's short directory lock (dir-lock.ts).

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { jsonText, publishFileExclusive, readJsonFile, writeFileAtomic } from './atomic-file';
import { withDirLock } from './dir-lock';

export interface StoredRecord {
  app: string;
  volume: string;
  name: string;
  keyDigest: string;
  createdAt: string;
}

export interface KeyClaim {
  name: string;
  requestHash: string;
}

export type ClaimResult<T> = { claimed: true } | { claimed: false; existing: T };

export class RecordStore<T extends StoredRecord> {
  constructor(
    private readonly root: string,
    private readonly keysDir: string,
    private readonly trashDir: string,
  ) {}

  dirOf(ref: { app: string; volume: string; name: string }): string {
    return join(this.root, ref.app, ref.volume, ref.name);
  }

  private metaPath(ref: { app: string; volume: string; name: string }): string {
    return join(this.dirOf(ref), 'meta.json');
  }

  async read(ref: { app: string; volume: string; name: string }): Promise<T | undefined> {
    return readJsonFile<T>(this.metaPath(ref));
  }

  /** Creates the record unless one with that name exists; then returns the existing one. */
  async claim(record: T): Promise<ClaimResult<T>> {
    for (;;) {
      if (await publishFileExclusive(this.metaPath(record), jsonText(record))) return { claimed: true };
      const existing = await this.read(record);
      // Gone between the two calls (deleted concurrently): try again.
      if (existing !== undefined) return { claimed: false, existing };
    }
  }

  private async update(record: T): Promise<void> {
    await writeFileAtomic(this.metaPath(record), jsonText(record));
  }

  /** Records of one volume, or of every volume of the app; an interrupted claim (no meta.json) is skipped. */
  async list(app: string, volume?: string): Promise<T[]> {
    const volumes = volume === undefined ? await readdirOrEmpty(join(this.root, app)) : [volume];
    const out: T[] = [];
    for (const v of volumes) {
      for (const name of await readdirOrEmpty(join(this.root, app, v))) {
        const rec = await this.read({ app, volume: v, name });
        if (rec !== undefined) out.push(rec);
      }
    }
    return out;
  }

  /** Re-reads the record, applies `change` and writes it back; undefined if it is gone. */
  async mutate(
    ref: { app: string; volume: string; name: string },
    change: (rec: T) => void,
  ): Promise<T | undefined> {
    return withDirLock(this.dirOf(ref), async () => {
      const rec = await this.read(ref);
      if (rec === undefined) return undefined;
      change(rec);
      await this.update(rec);
      return rec;
    });
  }

  /**
   * Removes the record and everything in its directory. The directory is first renamed into the
   * trash, so the record disappears in one step and a crash mid-delete leaves only trash behind.
   */
  async remove(record: T): Promise<void> {
    const dir = this.dirOf(record);
    const trash = join(this.trashDir, `${record.name}-${randomBytes(6).toString('hex')}`);
    await fs.mkdir(this.trashDir, { recursive: true });
    // Under the record's lock, so no update is half-way when the directory leaves.
    const moved = await withDirLock(dir, async () => {
      await fs.rename(dir, trash);
      return true;
    });
    if (moved !== true) return;
    await this.releaseKey(record.keyDigest);
    await fs.rm(trash, { recursive: true, force: true });
  }

  /** Binds an idempotency key to a name, or returns the earlier binding. */
  async claimKey(keyDigest: string, claim: KeyClaim): Promise<KeyClaim> {
    const path = join(this.keysDir, `${keyDigest}.json`);
    for (;;) {
      if (await publishFileExclusive(path, jsonText(claim))) return claim;
      const existing = await readJsonFile<KeyClaim>(path);
      if (existing !== undefined) return existing;
    }
  }

  async releaseKey(keyDigest: string): Promise<void> {
    await fs.rm(join(this.keysDir, `${keyDigest}.json`), { force: true });
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
