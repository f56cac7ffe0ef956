// A worker killed (SIGKILL) during the gke driver's long operations resumes from the handle it
// heartbeated and creates nothing twice, proven from the Compute Engine fake's request log: the
// child (child-driver.ts, a worker stand-in) starts a disk from a snapshot, or a snapshot, and
// dies while the operation runs; the parent polls the saved handle (the operation's name and
// scope) to the end and retries the begin call as a retried activity would. Snapshots are global,
// so a copy to another region moves no data: it writes labels and nothing else.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { OperationHandle } from '../../drivers/driver';
import { GkeDriver, createGkeDriver } from '../../drivers/gke/gke-driver';
import { gceName, parseDiskPath } from '../../drivers/gke/names';
import { keyUuid } from '../../drivers/idempotency';
import { waitForOperation } from '../../drivers/long-operation';
import type { LoggedRequest } from '../fakes/cloud-model';
import { type GkeFakeEnv, startGkeFakeEnv } from '../fakes/gcp/gke-fake-env';
import type { ChildRequest } from './child-driver';
import type { DriverSpec } from './driver-fixture';

const GiB = 1024 ** 3;
const ref = { app: 'shop', volume: 'db' };

/** Runs child-driver.js until it has written the handle (its first heartbeat), then SIGKILLs it. */
async function killAfterHeartbeat(spec: DriverSpec, req: ChildRequest): Promise<OperationHandle> {
  const out = mkdtempSync(join(tmpdir(), 'kompox-gke-child-'));
  writeFileSync(join(out, 'spec.json'), JSON.stringify(spec));
  writeFileSync(join(out, 'request.json'), JSON.stringify(req));
  const child = spawn(
    process.execPath,
    [join(__dirname, 'child-driver.js'), join(out, 'spec.json'), join(out, 'request.json'), out],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<unknown>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  const file = join(out, 'handle.json');
  const deadline = Date.now() + 60_000;
  while (!existsSync(file) && child.exitCode === null && Date.now() < deadline) await sleep(10);
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL', `the child must die by SIGKILL: ${stderr}`);
  assert.ok(existsSync(file), `the child never heartbeated a handle: ${stderr}`);
  const handle = JSON.parse(readFileSync(file, 'utf8')) as OperationHandle;
  rmSync(out, { recursive: true, force: true });
  return handle;
}

void describe('gke: a worker killed during a long operation resumes from its heartbeat', () => {
  let env: GkeFakeEnv;
  let driver: GkeDriver;
  const wait = <T>(op: OperationHandle): Promise<T> =>
    waitForOperation(driver, op, { intervalMs: 50, maxIntervalMs: 200, timeoutMs: 60_000 }) as Promise<T>;
  const requestsSince = (n: number): LoggedRequest[] => env.model.requests.slice(n);

  before(async () => {
    // Long enough that the kill lands mid-operation; seeded transient faults, lost replies included.
    env = await startGkeFakeEnv(
      { latencyMs: { createDisk: 2_500, createSnapshot: 2_500 }, faultRate: 0.1, seed: 11 },
      'gke-resume',
    );
    driver = createGkeDriver(env.ctx, { backoffMs: 20 });
    await wait(
      await driver.beginCreateDisk({
        ...ref,
        name: 'd1',
        zone: 'a',
        sizeBytes: GiB,
        idempotencyKey: 'setup-d1',
      }),
    );
    await wait(
      await driver.beginCreateSnapshot({ ...ref, disk: 'd1', name: 's1', idempotencyKey: 'setup-s1' }),
    );
  });
  after(async () => {
    await driver?.close();
    await env?.stop();
  });

  void it('a disk from a snapshot: polls the same zonal operation and inserts the disk once', async () => {
    const key = 'restore-r1';
    const req = {
      ...ref,
      name: 'r1',
      zone: 'us-central1-b',
      sizeBytes: GiB,
      source: { kind: 'snapshot' as const, name: 's1' },
      idempotencyKey: key,
    };
    const handle = await killAfterHeartbeat(
      { driver: 'gke', ctx: env.ctx },
      { kind: 'createDisk', request: req },
    );
    const killedAt = env.model.requests.length;
    const name = gceName('disk', {
      workspace: env.ctx.workspace,
      provider: env.ctx.provider,
      ...ref,
      name: 'r1',
    });
    assert.equal(env.fake.diskNamed(name)?.state, 'creating', 'killed while the disk was still being made');
    assert.equal(handle.pollState.scope, 'zone');
    assert.equal(handle.pollState.location, 'us-central1-b');

    const first = await driver.poll(handle);
    assert.equal(first.done, false, 'the resumed poll finds the operation still running');
    const disk = await wait<{ handle: string; source?: { name: string } }>(handle);
    assert.equal(parseDiskPath(disk.handle)?.name, name);
    assert.equal(disk.source?.name, 's1');
    // The retried activity begins again with the same key: the same disk, no new insert.
    const again = await wait<{ handle: string }>(await driver.beginCreateDisk(req));
    assert.equal(again.handle, disk.handle);

    const inserts = env.model.requests.filter(
      (r) => r.method === 'POST' && r.path.endsWith('/zones/us-central1-b/disks'),
    );
    assert.ok(inserts.length >= 1);
    assert.ok(
      inserts.every((r) => r.token === keyUuid(key)),
      'every insert carried the key as requestId',
    );
    assert.deepEqual(
      requestsSince(killedAt).filter((r) => r.method !== 'GET'),
      [],
      'after the kill nothing but reads: no second insert',
    );
    assert.ok(
      requestsSince(killedAt).some((r) => r.path.endsWith(`/zones/us-central1-b/operations/${handle.id}`)),
      'the resumed worker polled the operation named in the heartbeat',
    );
    assert.equal([...env.model.disks.values()].filter((d) => d.name === name).length, 1);
  });

  void it('a snapshot: polls the same operation and creates the snapshot once', async () => {
    const key = 'snap-s2';
    const req = { ...ref, disk: 'd1', name: 's2', idempotencyKey: key };
    const handle = await killAfterHeartbeat(
      { driver: 'gke', ctx: env.ctx },
      { kind: 'createSnapshot', request: req },
    );
    const killedAt = env.model.requests.length;
    const name = gceName('snapshot', {
      workspace: env.ctx.workspace,
      provider: env.ctx.provider,
      ...ref,
      name: 's2',
    });
    const made = () => [...env.model.snapshots.values()].filter((s) => s.name === name);
    assert.equal(made()[0]?.state, 'creating', 'killed while the snapshot was still being made');

    assert.equal((await driver.poll(handle)).done, false);
    const snap = await wait<{ name: string; ready: boolean }>(handle);
    assert.equal(snap.name, 's2');
    assert.equal(snap.ready, true);
    await wait(await driver.beginCreateSnapshot(req));

    const creates = env.model.requests.filter(
      (r) => r.method === 'POST' && r.path.endsWith('/createSnapshot'),
    );
    assert.ok(creates.filter((r) => r.token === keyUuid(key)).length >= 1);
    assert.deepEqual(
      requestsSince(killedAt).filter((r) => r.method !== 'GET'),
      [],
      'no second createSnapshot',
    );
    assert.ok(requestsSince(killedAt).some((r) => r.path.includes(`/operations/${handle.id}`)));
    assert.equal(made().length, 1);
  });

  void it('a copy to another region moves no data: one label write on the source snapshot', async () => {
    const before = env.model.requests.length;
    const snapshots = env.model.snapshots.size;
    const copy = await wait<{ region: string; handle: string; copiedFrom?: { name: string } }>(
      await driver.beginCopySnapshot({
        snapshot: { ...ref, name: 's1' },
        targetRegion: 'us-east1',
        idempotencyKey: 'copy-s1',
      }),
    );
    assert.equal(copy.region, 'us-east1');
    assert.equal(copy.copiedFrom?.name, 's1');
    assert.equal(
      copy.handle,
      (await driver.getSnapshot({ ...ref, name: 's1' })).handle,
      'the copy is the same global snapshot',
    );
    assert.equal(env.model.snapshots.size, snapshots);
    const writes = requestsSince(before).filter((r) => r.method !== 'GET');
    assert.ok(
      writes.some((r) => r.path.endsWith('/global/snapshots/' + copy.handle.split('/').pop() + '/setLabels')),
    );
    assert.ok(
      writes.every((r) => r.path.endsWith('/setLabels') || r.path.endsWith('/wait')),
      JSON.stringify(writes),
    );
  });
});
