// A worker SIGKILLed while OCI works on a long operation (a disk restored from a backup, a backup
// copied to another region) resumes from the handle it heartbeated, and the fake's request log
// proves nothing was made twice: after the kill no create reaches OCI, every create the dead
// worker sent carried the key's opc-retry-token, and the cloud holds one resource per key.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { OperationHandle, OperationKind, OperationResults } from '../../drivers/driver';
import { keyDigest } from '../../drivers/idempotency';
import { waitForOperation } from '../../drivers/long-operation';
import { type OkeDriver, createOkeDriver } from '../../drivers/oke/oke-driver';
import { TAG } from '../../drivers/tags';
import type { LoggedRequest } from '../fakes/cloud-model';
import type { ChildRequest } from './child-driver';
import { runChild } from './driver-contract';
import { type OkeWorld, startOkeWorld } from './oke-world';

const GiB = 1024 ** 3;
const ref = { app: 'resume', volume: 'data' };
const isPost = (suffix: RegExp) => (r: LoggedRequest) => r.method === 'POST' && suffix.test(r.path);
const createVolume = isPost(/\/20160918\/volumes$/);
const copyBackup = isPost(/\/20160918\/volumeBackups\/[^/]+\/actions\/copy$/);

void describe('oke: a killed worker resumes OCI long operations from its heartbeat', () => {
  let world: OkeWorld;
  let driver: OkeDriver;
  const wait = <K extends OperationKind>(op: OperationHandle<K>): Promise<OperationResults[K]> =>
    waitForOperation(driver, op, { intervalMs: 50, maxIntervalMs: 200, timeoutMs: 60_000 });

  /** Runs one begin* in a child, SIGKILLs it once it heartbeated the handle; the handle and the log position. */
  async function killedChild<K extends OperationKind>(
    req: ChildRequest,
  ): Promise<{ handle: OperationHandle<K>; killedAt: number }> {
    const out = await runChild({ spec: { driver: 'oke', ctx: world.ctx } }, req, 'handle.json');
    const killedAt = world.model.requests.length;
    const handle = JSON.parse(readFileSync(join(out, 'handle.json'), 'utf8')) as OperationHandle<K>;
    rmSync(out, { recursive: true, force: true });
    return { handle, killedAt };
  }

  before(async () => {
    // Long enough that the child dies while OCI is still at work; 10 % faults, lost replies included.
    world = await startOkeWorld('oke-resume', 0.1, { createDisk: 1500, copySnapshot: 1500, '*': 0 });
    driver = createOkeDriver(world.ctx, {
      retryBaseDelayMs: 10,
      consistencyWindowMs: 300,
      lookupIntervalMs: 50,
    });
    await wait(
      await driver.beginCreateDisk({
        ...ref,
        name: 'd1',
        zone: 'AD-1',
        sizeBytes: GiB,
        idempotencyKey: 'resume-d1',
      }),
    );
    await wait(
      await driver.beginCreateSnapshot({ ...ref, disk: 'd1', name: 's1', idempotencyKey: 'resume-s1' }),
    );
  });
  after(() => world?.stop());

  void it("restores a disk from a backup once, polling the dead worker's volume", async () => {
    const request = {
      ...ref,
      name: 'r1',
      zone: 'AD-2',
      sizeBytes: GiB,
      source: { kind: 'snapshot' as const, name: 's1' },
      idempotencyKey: 'resume-restore',
    };
    const { handle, killedAt } = await killedChild<'createDisk'>({ kind: 'createDisk', request });
    const digest = keyDigest(request.idempotencyKey);
    const volume = world.model.disks.get(handle.id);
    assert.equal(volume?.state, 'creating', 'the worker died while OCI was still provisioning');
    const disk = await wait(handle);
    assert.equal(disk.name, 'r1');
    assert.equal(disk.source?.name, 's1');
    const sent = world.model.requests.slice(0, killedAt).filter(createVolume);
    assert.ok(sent.length >= 1);
    assert.ok(sent.filter((r) => r.token === digest).length >= 1, 'the dead worker sent the create');
    assert.deepEqual(
      world.model.requests.slice(killedAt).filter(createVolume),
      [],
      'the resumed activity polls, it does not create',
    );
    assert.equal(world.model.tagged(world.model.disks, { [TAG.operationKey]: digest }).length, 1);
    // A retried begin (no heartbeat this time) finds the same volume without a create call.
    const before = world.model.requests.length;
    assert.equal((await wait(await driver.beginCreateDisk(request))).handle, disk.handle);
    assert.deepEqual(world.model.requests.slice(before).filter(createVolume), []);
  });

  void it("copies a backup to another region once, polling the dead worker's copy", async () => {
    const request = {
      snapshot: { ...ref, name: 's1' },
      targetRegion: 'us-ashburn-1',
      targetName: 's1-ash',
      idempotencyKey: 'resume-copy',
    };
    const { handle, killedAt } = await killedChild<'copySnapshot'>({ kind: 'copySnapshot', request });
    const digest = keyDigest(request.idempotencyKey);
    assert.equal(world.model.snapshots.get(handle.id)?.state, 'creating', 'the worker died during the copy');
    const copy = await wait(handle);
    assert.equal(copy.name, 's1-ash');
    assert.equal(copy.region, 'us-ashburn-1');
    assert.equal(copy.copiedFrom?.name, 's1');
    const sent = world.model.requests.slice(0, killedAt).filter(copyBackup);
    assert.ok(sent.length >= 1 && sent.every((r) => r.token === digest), 'every copy carried the key token');
    assert.deepEqual(world.model.requests.slice(killedAt).filter(copyBackup), [], 'no copy after the kill');
    const copies = [...world.model.snapshots.values()].filter((s) => s.region === 'us-ashburn-1');
    assert.deepEqual(
      copies.map((s) => s.id),
      [handle.id],
      'one backup in the destination region',
    );
    const before = world.model.requests.length;
    assert.equal((await wait(await driver.beginCopySnapshot(request))).handle, copy.handle);
    assert.deepEqual(world.model.requests.slice(before).filter(copyBackup), []);
    assert.deepEqual((await driver.listSnapshots(ref)).map((s) => s.name).sort(), ['s1', 's1-ash']);
  });
  void it('finds a copy the worker started but never heartbeated, while it has no tags of its own yet', async () => {
    const request = {
      snapshot: { ...ref, name: 's1' },
      targetRegion: 'us-ashburn-1',
      targetName: 's1-ash2',
      idempotencyKey: 'resume-copy-unseen',
    };
    const out = await runChild(
      { spec: { driver: 'oke', ctx: world.ctx } },
      { kind: 'copySnapshot', request },
      'begun',
      true,
    );
    rmSync(out, { recursive: true, force: true });
    const killedAt = world.model.requests.length;
    const made = [...world.model.snapshots.values()].filter(
      (s) => s.name === `kompox-copy-${keyDigest(request.idempotencyKey)}`,
    );
    assert.equal(made.length, 1, 'the dead worker started the copy');
    assert.equal(made[0]!.tags[TAG.snapshotName], 's1', 'the copy still carries its source tags only');
    // The retried activity has no handle: it finds the copy by its source and display name.
    const copy = await wait(
      await driver.beginCopySnapshot(request, { retried: true, record: () => undefined }),
    );
    assert.equal(copy.handle, made[0]!.id);
    assert.equal(copy.name, 's1-ash2');
    assert.deepEqual(world.model.requests.slice(killedAt).filter(copyBackup), [], 'no second copy');
  });
});
