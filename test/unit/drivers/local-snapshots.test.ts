import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { waitForOperation } from '../../../drivers/long-operation';
import type { LocalDriver } from '../../../drivers/local/local-driver';
import { GiB, createDisk, createSnapshot, fast, localDriver, useTempDir } from './fixtures';

async function readTree(root: string, rel = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of (await fs.readdir(join(root, rel), { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    const abs = join(root, r);
    if (e.isDirectory()) {
      out[r + '/'] = ((await fs.stat(abs)).mode & 0o777).toString(8);
      Object.assign(out, await readTree(root, r));
    } else if (e.isSymbolicLink()) out[r + '@'] = await fs.readlink(abs);
    else
      out[r] =
        `${((await fs.stat(abs)).mode & 0o777).toString(8)}:${(await fs.readFile(abs)).toString('base64')}`;
  }
  return out;
}

void describe('local driver: snapshots', () => {
  const dir = useTempDir();
  let driver: LocalDriver;
  const vol = { app: 'wiki', volume: 'db' };

  beforeEach(async () => {
    driver = localDriver(dir.path);
    const disk = await createDisk(driver, {
      ...vol,
      name: 'd1',
      sizeBytes: GiB,
      idempotencyKey: 'd1',
      assigned: true,
    });
    await fs.mkdir(join(disk.handle, 'pg', 'base'), { recursive: true });
    await fs.writeFile(join(disk.handle, 'pg', 'base', 'table'), Buffer.alloc(300_000, 7));
    await fs.writeFile(join(disk.handle, 'README'), 'hello\n', { mode: 0o640 });
    await fs.writeFile(join(disk.handle, 'empty'), '');
    await fs.symlink('pg/base/table', join(disk.handle, 'link'));
    await fs.mkdir(join(disk.handle, 'emptydir'), { mode: 0o750 });
  });

  void it('snapshots the assigned disk and restores identical content into a new disk', async () => {
    const snap = await createSnapshot(driver, { ...vol, name: 's1', idempotencyKey: 'snap-1' });
    assert.equal(snap.ready, true);
    assert.equal(snap.state, 'ready');
    assert.equal(snap.region, 'local-1');
    assert.equal(snap.sourceDisk.name, 'd1');
    assert.equal(snap.size, 300_000 + 6);
    const restored = await createDisk(driver, {
      ...vol,
      name: 'd2',
      zone: 'local-1c',
      sizeBytes: GiB,
      source: { kind: 'snapshot', name: 's1' },
      idempotencyKey: 'restore-1',
    });
    assert.deepEqual(
      await readTree(restored.handle),
      await readTree((await driver.getDisk({ ...vol, name: 'd1' })).handle),
    );
    assert.equal(restored.source?.kind, 'snapshot');
  });

  void it('is idempotent per key and captures the point in time of the first call', async () => {
    const first = await createSnapshot(driver, { ...vol, idempotencyKey: 'snap-x' });
    await fs.writeFile(join(first.sourceDisk.handle, 'later'), 'after the snapshot');
    const again = await createSnapshot(driver, { ...vol, idempotencyKey: 'snap-x' });
    assert.deepEqual(again, first);
    assert.equal((await driver.listSnapshots(vol)).length, 1);
    const restored = await createDisk(driver, {
      ...vol,
      sizeBytes: GiB,
      source: { kind: 'snapshot', name: first.name },
      idempotencyKey: 'r',
    });
    await assert.rejects(fs.access(join(restored.handle, 'later')));
  });

  void it('detects a corrupted archive and fails the restore', async () => {
    const snap = await createSnapshot(driver, { ...vol, name: 's1', idempotencyKey: 'snap-1' });
    const [archive] = (await fs.readdir(snap.handle)).filter((n) => n.endsWith('.kpxa.gz'));
    const path = join(snap.handle, archive!);
    const bytes = await fs.readFile(path);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await fs.writeFile(path, bytes);
    const op = await driver.beginCreateDisk({
      ...vol,
      name: 'd2',
      sizeBytes: GiB,
      source: { kind: 'snapshot', name: 's1' },
      idempotencyKey: 'restore-bad',
    });
    await assert.rejects(waitForOperation(driver, op, fast), { code: 'Corrupted' });
    const failed = await driver.getDisk({ ...vol, name: 'd2' });
    assert.equal(failed.state, 'failed');
    await assert.rejects(fs.access(failed.handle));
  });

  void it('refuses a restore in another region until the snapshot is copied there', async () => {
    await createSnapshot(driver, { ...vol, name: 's1', idempotencyKey: 'snap-1' });
    const req = {
      ...vol,
      zone: 'local-2b',
      sizeBytes: GiB,
      source: { kind: 'snapshot' as const, name: 's1' },
    };
    await assert.rejects(driver.beginCreateDisk({ ...req, idempotencyKey: 'r1' }), {
      code: 'InvalidArgument',
      details: { reason: 'region' },
    });

    const op = await driver.beginCopySnapshot({
      snapshot: { ...vol, name: 's1' },
      targetRegion: 'local-2',
      idempotencyKey: 'copy-1',
    });
    const copy = await waitForOperation(driver, op, fast);
    assert.equal(copy.name, 's1-local-2');
    assert.equal(copy.region, 'local-2');
    assert.deepEqual(copy.copiedFrom, {
      name: 's1',
      region: 'local-1',
      handle: join(copy.handle, '..', 's1'),
    });
    const again = await waitForOperation(
      driver,
      await driver.beginCopySnapshot({
        snapshot: { ...vol, name: 's1' },
        targetRegion: 'local-2',
        idempotencyKey: 'copy-1',
      }),
      fast,
    );
    assert.deepEqual(again, copy);

    const disk = await createDisk(driver, {
      ...req,
      source: { kind: 'snapshot', name: copy.name },
      idempotencyKey: 'r2',
    });
    assert.equal(disk.region, 'local-2');
    assert.equal(await fs.readFile(join(disk.handle, 'README'), 'utf8'), 'hello\n');
    await assert.rejects(
      driver.beginCopySnapshot({
        snapshot: { ...vol, name: 's1' },
        targetRegion: 'local-1',
        idempotencyKey: 'copy-2',
      }),
      { code: 'InvalidArgument' },
    );
  });

  void it('copy is a resumable long operation with progress', async () => {
    const slow = localDriver(dir.path, { latencyMs: { copySnapshot: 150 } });
    await createSnapshot(slow, { ...vol, name: 's1', idempotencyKey: 'snap-1' });
    const op = await slow.beginCopySnapshot({
      snapshot: { ...vol, name: 's1' },
      targetRegion: 'local-2',
      idempotencyKey: 'c',
    });
    const first = await slow.poll(op);
    assert.equal(first.done, false);
    // The source is in use while the copy runs.
    await assert.rejects(slow.beginDeleteSnapshot({ ...vol, name: 's1' }), { code: 'InUse' });
    // A new worker resumes from the heartbeat (a JSON round trip of the handle).
    const resumed = localDriver(dir.path);
    const saved = JSON.parse(JSON.stringify(op)) as typeof op;
    const progress: number[] = [];
    const copy = await waitForOperation(resumed, saved, {
      ...fast,
      onPoll: (_op, p) => void progress.push(p ?? -1),
    });
    assert.equal(copy.ready, true);
    assert.ok(progress.length > 0 && progress.every((p) => p >= 0 && p <= 1));
  });

  void it('deletes snapshots (NotFound is success) and refuses snapshotting without a source', async () => {
    await createSnapshot(driver, { ...vol, name: 's1', idempotencyKey: 'snap-1' });
    assert.equal(
      await waitForOperation(driver, await driver.beginDeleteSnapshot({ ...vol, name: 's1' }), fast),
      null,
    );
    await assert.rejects(driver.getSnapshot({ ...vol, name: 's1' }), { code: 'NotFound' });
    assert.equal(
      await waitForOperation(driver, await driver.beginDeleteSnapshot({ ...vol, name: 's1' }), fast),
      null,
    );
    await driver.setDiskAssigned({ ...vol, name: 'd1' }, false);
    await assert.rejects(driver.beginCreateSnapshot({ ...vol, idempotencyKey: 'none' }), {
      code: 'InvalidArgument',
    });
    const named = await createSnapshot(driver, { ...vol, disk: 'd1', idempotencyKey: 'named' });
    assert.equal(named.sourceDisk.name, 'd1');
  });
});
