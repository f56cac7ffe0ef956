import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { publishFileExclusive, writeFileAtomic } from '../../../drivers/local/atomic-file';
import { withDirLock } from '../../../drivers/local/dir-lock';
import { RecordStore, type StoredRecord } from '../../../drivers/local/record-store';
import { useTempDir } from './fixtures';

interface Counter extends StoredRecord {
  items: number[];
}

void describe('local record store', () => {
  const dir = useTempDir();
  const store = (): RecordStore<Counter> =>
    new RecordStore(join(dir.path, 'recs'), join(dir.path, 'keys'), join(dir.path, 'trash'));
  const rec: Counter = { app: 'a', volume: 'v', name: 'n', keyDigest: 'k1', createdAt: 't', items: [] };

  void it('publishes a file exactly once among concurrent writers and replaces atomically', async () => {
    const path = join(dir.path, 'f.json');
    const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => publishFileExclusive(path, `${i}`)));
    assert.equal(wins.filter(Boolean).length, 1);
    await writeFileAtomic(path, 'new');
    assert.equal(await fs.readFile(path, 'utf8'), 'new');
    assert.deepEqual(
      (await fs.readdir(dir.path)).filter((n) => n.includes('.tmp-')),
      [],
    );
  });

  void it('claims a name once and loses no concurrent update', async () => {
    const results = await Promise.all([store().claim(rec), store().claim({ ...rec, keyDigest: 'k2' })]);
    assert.equal(results.filter((r) => r.claimed).length, 1);
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        store().mutate(rec, (r) => {
          r.items.push(i);
        }),
      ),
    );
    assert.deepEqual(
      (await store().read(rec))?.items.sort((a, b) => a - b),
      Array.from({ length: 25 }, (_, i) => i),
    );
  });

  void it('an update racing a delete does not bring the record back', async () => {
    await store().claim(rec);
    await Promise.all([
      store().remove(rec),
      ...Array.from({ length: 10 }, () =>
        store().mutate(rec, (r) => {
          r.items.push(1);
        }),
      ),
    ]);
    assert.equal(await store().read(rec), undefined);
    assert.deepEqual(await store().list('a'), []);
  });

  void it('binds a key to the first name only', async () => {
    const [a, b] = await Promise.all([
      store().claimKey('k', { name: 'x', requestHash: 'h1' }),
      store().claimKey('k', { name: 'y', requestHash: 'h2' }),
    ]);
    assert.deepEqual(a, b);
    await store().releaseKey('k');
    assert.deepEqual(await store().claimKey('k', { name: 'z', requestHash: 'h3' }), {
      name: 'z',
      requestHash: 'h3',
    });
  });

  void it('breaks a stale lock left by a killed process and skips a missing directory', async () => {
    const d = join(dir.path, 'locked');
    await fs.mkdir(join(d, '.lock'), { recursive: true });
    const old = new Date(Date.now() - 60_000);
    await fs.utimes(join(d, '.lock'), old, old);
    assert.equal(await withDirLock(d, async () => 'ran'), 'ran');
    await assert.rejects(fs.access(join(d, '.lock')));
    assert.equal(await withDirLock(join(dir.path, 'missing'), async () => 'ran'), undefined);
  });
});
