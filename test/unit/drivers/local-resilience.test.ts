// Latency and fault injection, and the paths they exist to test: a create that is interrupted
// (process gone before completion, reply lost after the effect) finishes as the same single disk.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isDriverError } from '../../../drivers/errors';
import { waitForOperation } from '../../../drivers/long-operation';
import { FaultInjector } from '../../../drivers/local/fault-injection';
import { GiB, createDisk, createSnapshot, diskDir, fast, localDriver, useTempDir } from './fixtures';

const vol = { app: 'wiki', volume: 'db' };

void describe('local driver: latency, faults and interrupted operations', () => {
  const dir = useTempDir();

  void it('makes long operations take the configured time and report progress', async () => {
    const driver = localDriver(dir.path, {}, { LOCAL_LATENCY_MS: 'createDisk=120,getDisk=40,*=0' });
    const started = Date.now();
    const op = await driver.beginCreateDisk({ ...vol, name: 'd1', sizeBytes: GiB, idempotencyKey: 'k' });
    const first = await driver.poll(op);
    assert.equal(first.done, false);
    assert.ok(!first.done && first.progress !== undefined && first.progress < 1);
    assert.equal((await driver.getDisk({ ...vol, name: 'd1' })).state, 'creating');
    const disk = await waitForOperation(driver, op, fast);
    assert.ok(Date.now() - started >= 120);
    assert.equal(disk.state, 'ready');
    const t = Date.now();
    await driver.getDisk({ ...vol, name: 'd1' });
    assert.ok(Date.now() - t >= 35);
  });

  void it('injects transient faults before the effect', async () => {
    const driver = localDriver(dir.path, { faults: { createDisk: 1 } });
    await assert.rejects(driver.beginCreateDisk({ ...vol, sizeBytes: GiB, idempotencyKey: 'k' }), (err) => {
      assert.ok(isDriverError(err, 'Transient'));
      assert.equal(err.retryable, true);
      return true;
    });
    assert.deepEqual(await localDriver(dir.path).listDisks(vol), []);
  });

  void it('a reply lost after the effect is retried into the same disk', async () => {
    const flaky = localDriver(dir.path, { faults: { 'createDisk.after': 1 } });
    const req = { ...vol, sizeBytes: GiB, idempotencyKey: 'lost-reply' };
    await assert.rejects(flaky.beginCreateDisk(req), { code: 'Transient' });
    const disk = await createDisk(localDriver(dir.path), req);
    assert.deepEqual(
      (await localDriver(dir.path).listDisks(vol)).map((d) => d.name),
      [disk.name],
    );
  });

  void it('fault decisions are repeatable with a seed and settable from settings', () => {
    const run = (): boolean[] => {
      const f = new FaultInjector({ faults: { x: 0.5 }, seed: 42 });
      return Array.from({ length: 32 }, () => {
        try {
          f.maybeFail('x');
          return false;
        } catch {
          return true;
        }
      });
    };
    const a = run();
    assert.deepEqual(run(), a);
    assert.ok(a.includes(true) && a.includes(false));
    const driver = localDriver(dir.path, {}, { LOCAL_FAULTS: 'getDisk=1', LOCAL_FAULT_SEED: '7' });
    return assert.rejects(driver.getDisk({ ...vol, name: 'x' }), { code: 'Transient' });
  });

  void it('rejects malformed latency and fault settings', () => {
    assert.throws(() => localDriver(dir.path, {}, { LOCAL_LATENCY_MS: 'createDisk' }), {
      code: 'InvalidArgument',
    });
    assert.throws(() => localDriver(dir.path, {}, { LOCAL_FAULTS: 'createDisk=2' }), {
      code: 'InvalidArgument',
    });
    assert.throws(() => localDriver(dir.path, {}, { LOCAL_FAULT_SEED: 'abc' }), { code: 'InvalidArgument' });
  });

  void it('a worker that died after begin is resumed by another with the same key', async () => {
    const dead = localDriver(dir.path, { latencyMs: { createDisk: 60 } });
    const op = await dead.beginCreateDisk({ ...vol, name: 'd1', sizeBytes: GiB, idempotencyKey: 'k' });
    // `dead` never polls again. A new worker retries the activity from scratch.
    const worker = localDriver(dir.path);
    const again = await worker.beginCreateDisk({ ...vol, name: 'd1', sizeBytes: GiB, idempotencyKey: 'k' });
    assert.equal(again.id, op.id);
    const disk = await waitForOperation(worker, again, fast);
    assert.equal(disk.state, 'ready');
    assert.equal((await worker.listDisks(vol)).length, 1);
  });

  void it('completes a creating record left half-done (stale staging, no data dir)', async () => {
    const driver = localDriver(dir.path);
    await createDisk(driver, { ...vol, name: 'src', sizeBytes: GiB, idempotencyKey: 'src', assigned: true });
    await fs.writeFile(join((await driver.getDisk({ ...vol, name: 'src' })).handle, 'f'), 'data');
    await createSnapshot(driver, { ...vol, name: 's1', idempotencyKey: 's1' });
    const op = await driver.beginCreateDisk({
      ...vol,
      name: 'd1',
      sizeBytes: GiB,
      source: { kind: 'snapshot', name: 's1' },
      idempotencyKey: 'restore',
    });
    // Make it look like a process died mid-extraction: back to `creating`, data dir gone, junk staging.
    const recordDir = diskDir(dir.path, 'db', 'd1');
    await waitForOperation(driver, op, fast);
    const meta = JSON.parse(await fs.readFile(join(recordDir, 'meta.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    await fs.writeFile(join(recordDir, 'meta.json'), JSON.stringify({ ...meta, state: 'creating' }));
    await fs.rm(join(recordDir, 'data'), { recursive: true });
    await fs.mkdir(join(recordDir, '.staging-dead'));
    await fs.writeFile(join(recordDir, '.staging-dead', 'f'), 'da');

    const resumed = await waitForOperation(localDriver(dir.path), op, fast);
    assert.equal(resumed.state, 'ready');
    assert.equal(await fs.readFile(join(resumed.handle, 'f'), 'utf8'), 'data');
    assert.equal((await driver.listDisks(vol)).length, 2);
  });

  void it('a process killed with SIGKILL mid-create is finished by the retry, never duplicated', async () => {
    const driver = localDriver(dir.path);
    const src = await createDisk(driver, {
      ...vol,
      name: 'src',
      sizeBytes: GiB,
      idempotencyKey: 'src',
      assigned: true,
    });
    // Enough data that extraction takes a while, so the kill lands mid-way most of the time.
    const chunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 24; i++) {
      for (let j = 0; j < chunk.length; j += 4) chunk.writeUInt32LE((i * 2654435761 + j * 40503) >>> 0, j);
      await fs.writeFile(join(src.handle, `f${i}`), chunk);
    }
    await createSnapshot(driver, { ...vol, name: 's1', idempotencyKey: 's1' });

    const child = spawn(process.execPath, [join(__dirname, 'child-create-disk.js'), dir.path], {
      stdio: 'ignore',
    });
    const recordDir = diskDir(dir.path, 'db', 'restored');
    const deadline = Date.now() + 10_000;
    for (;;) {
      const entries = await fs.readdir(recordDir).catch(() => [] as string[]);
      if (entries.some((e) => e.startsWith('.staging-') || e === 'data') || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const disk = await createDisk(localDriver(dir.path), {
      ...vol,
      name: 'restored',
      sizeBytes: GiB,
      source: { kind: 'snapshot', name: 's1' },
      idempotencyKey: 'restore-after-kill',
    });
    assert.equal(disk.state, 'ready');
    for (let i = 0; i < 24; i++) {
      assert.ok(
        (await fs.readFile(join(disk.handle, `f${i}`))).equals(await fs.readFile(join(src.handle, `f${i}`))),
      );
    }
    assert.deepEqual((await driver.listDisks(vol)).map((d) => d.name).sort(), ['restored', 'src']);
  });
});
