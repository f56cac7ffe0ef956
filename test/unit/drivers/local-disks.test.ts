import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { DriverError, isDriverError } from '../../../drivers/errors';
import { waitForOperation } from '../../../drivers/long-operation';
import { TAG } from '../../../drivers/tags';
import type { LocalDriver } from '../../../drivers/local/local-driver';
import { GiB, createDisk, diskDir, fast, localDriver, useTempDir } from './fixtures';

void describe('local driver: disks', () => {
  const dir = useTempDir();
  let driver: LocalDriver;
  const vol = { app: 'wiki', volume: 'db' };

  beforeEach(async () => {
    driver = localDriver(dir.path);
  });

  void it('creates an empty disk whose handle is a writable directory', async () => {
    const disk = await createDisk(driver, {
      ...vol,
      name: 'd1',
      zone: 'local-1b',
      sizeBytes: GiB,
      idempotencyKey: 'op-1',
    });
    assert.equal(disk.name, 'd1');
    assert.equal(disk.volumeName, 'db');
    assert.equal(disk.zone, 'local-1b');
    assert.equal(disk.region, 'local-1');
    assert.equal(disk.size, GiB);
    assert.equal(disk.state, 'ready');
    assert.equal(disk.assigned, false);
    assert.equal(disk.handle, join(diskDir(dir.path, 'db', 'd1'), 'data'));
    await fs.writeFile(join(disk.handle, 'hello.txt'), 'hi');
    assert.equal(disk.tags[TAG.app], 'wiki');
    assert.equal(disk.tags[TAG.volume], 'db');
    assert.equal(disk.tags[TAG.diskName], 'd1');
    assert.equal(disk.tags[TAG.assigned], 'false');
    assert.match(disk.tags[TAG.operationKey] ?? '', /^[0-9a-f]{40}$/);
    assert.deepEqual(await driver.getDisk({ ...vol, name: 'd1' }), disk);
  });

  void it('derives the name from the idempotency key and puts the disk in the default zone', async () => {
    const a = await createDisk(driver, { ...vol, sizeBytes: GiB, idempotencyKey: 'op-a' });
    const again = await createDisk(driver, { ...vol, sizeBytes: GiB, idempotencyKey: 'op-a' });
    assert.match(a.name, /^d[0-9a-z]{11}$/);
    assert.equal(again.name, a.name);
    assert.equal(a.zone, 'local-1a');
  });

  void it('lists disks newest first and filters by volume and tags', async () => {
    await createDisk(driver, {
      ...vol,
      name: 'old',
      sizeBytes: GiB,
      idempotencyKey: 'k1',
      tags: { tier: 'x' },
    });
    await new Promise((r) => setTimeout(r, 5));
    await createDisk(driver, { ...vol, name: 'new', sizeBytes: GiB, idempotencyKey: 'k2' });
    await createDisk(driver, {
      app: 'wiki',
      volume: 'files',
      name: 'f',
      sizeBytes: GiB,
      idempotencyKey: 'k3',
    });
    assert.deepEqual(
      (await driver.listDisks(vol)).map((d) => d.name),
      ['new', 'old'],
    );
    assert.deepEqual((await driver.listDisks({ app: 'wiki' })).map((d) => d.name).sort(), [
      'f',
      'new',
      'old',
    ]);
    assert.deepEqual(
      (await driver.listDisks({ ...vol, tags: { tier: 'x' } })).map((d) => d.name),
      ['old'],
    );
    assert.deepEqual(await driver.listDisks({ app: 'other' }), []);
  });

  void it('returns the same disk for a repeated key and refuses a changed request or a taken name', async () => {
    const req = { ...vol, name: 'd1', sizeBytes: GiB, idempotencyKey: 'op-1' };
    const first = await createDisk(driver, req);
    const second = await createDisk(driver, req);
    assert.deepEqual(second, first);
    await assert.rejects(driver.beginCreateDisk({ ...req, sizeBytes: 2 * GiB }), { code: 'Conflict' });
    await assert.rejects(driver.beginCreateDisk({ ...req, idempotencyKey: 'op-2' }), {
      code: 'AlreadyExists',
    });
    assert.equal((await driver.listDisks(vol)).length, 1);
  });

  void it('concurrent creates with one key produce exactly one disk', async () => {
    const req = { ...vol, sizeBytes: GiB, idempotencyKey: 'race' };
    const disks = await Promise.all(Array.from({ length: 16 }, () => createDisk(driver, req)));
    assert.equal(new Set(disks.map((d) => d.name)).size, 1);
    assert.equal((await driver.listDisks(vol)).length, 1);
  });

  void it('concurrent creates from separate driver instances with one key produce exactly one disk', async () => {
    const drivers = Array.from({ length: 8 }, () => localDriver(dir.path));
    const disks = await Promise.all(
      drivers.map((d) => createDisk(d, { ...vol, name: 'shared', sizeBytes: GiB, idempotencyKey: 'race2' })),
    );
    assert.equal(new Set(disks.map((d) => d.createdAt)).size, 1);
    assert.equal((await driver.listDisks(vol)).length, 1);
  });

  void it('assigns and unassigns; refuses to delete an assigned or attached disk', async () => {
    await createDisk(driver, { ...vol, name: 'd1', sizeBytes: GiB, idempotencyKey: 'k', assigned: true });
    const ref = { ...vol, name: 'd1' };
    assert.equal((await driver.getDisk(ref)).assigned, true);
    await assert.rejects(driver.beginDeleteDisk(ref), (err) => {
      assert.ok(isDriverError(err, 'InUse'));
      assert.equal(err.details.reason, 'assigned');
      return true;
    });
    const unassigned = await driver.setDiskAssigned(ref, false);
    assert.equal(unassigned.assigned, false);
    assert.equal(unassigned.tags[TAG.assigned], 'false');

    await driver.simulateAttach(ref, { instanceId: 'node-1-vm', nodeName: 'node-1' });
    assert.deepEqual(await driver.listAttachments(ref), [
      { instanceId: 'node-1-vm', nodeName: 'node-1', state: 'attached' },
    ]);
    await assert.rejects(driver.beginDeleteDisk(ref), { code: 'InUse', details: { reason: 'attached' } });

    await waitForOperation(driver, await driver.beginForceDetach({ disk: ref }), fast);
    assert.deepEqual(await driver.listAttachments(ref), []);
    assert.equal(await waitForOperation(driver, await driver.beginDeleteDisk(ref), fast), null);
    await assert.rejects(driver.getDisk(ref), { code: 'NotFound' });
    await assert.rejects(fs.access(diskDir(dir.path, 'db', 'd1')));
  });

  void it('treats deleting a missing disk as success', async () => {
    const op = await driver.beginDeleteDisk({ ...vol, name: 'never-was' });
    assert.equal(await waitForOperation(driver, op, fast), null);
  });

  void it('validates requests', async () => {
    const base = { ...vol, sizeBytes: GiB, idempotencyKey: 'v' };
    await assert.rejects(driver.beginCreateDisk({ ...base, sizeBytes: 0 }), { code: 'InvalidArgument' });
    await assert.rejects(driver.beginCreateDisk({ ...base, name: 'Bad_Name' }), { code: 'InvalidArgument' });
    await assert.rejects(driver.beginCreateDisk({ ...base, zone: 'mars-1a' }), { code: 'InvalidArgument' });
    await assert.rejects(driver.beginCreateDisk({ ...base, idempotencyKey: '' }), {
      code: 'InvalidArgument',
    });
    await assert.rejects(driver.beginCreateDisk({ ...base, tags: { 'kompox-app-name': 'x' } }), {
      code: 'InvalidArgument',
    });
    await assert.rejects(driver.beginCreateDisk({ ...base, options: { zoneRedundant: 'yes' } }), {
      code: 'InvalidArgument',
      message: /zoneRedundant must be true or false, got "yes"/,
    });
    await assert.rejects(driver.beginCreateDisk({ ...base, source: { kind: 'snapshot', name: 'nope' } }), {
      code: 'NotFound',
    });
  });

  void it('clones a disk in the same region', async () => {
    const src = await createDisk(driver, { ...vol, name: 'src', sizeBytes: GiB, idempotencyKey: 'c1' });
    await fs.mkdir(join(src.handle, 'sub'));
    await fs.writeFile(join(src.handle, 'sub', 'f.txt'), 'content');
    const clone = await createDisk(driver, {
      ...vol,
      name: 'clone',
      zone: 'local-1c',
      sizeBytes: GiB,
      source: { kind: 'disk', name: 'src' },
      idempotencyKey: 'c2',
    });
    assert.equal(await fs.readFile(join(clone.handle, 'sub', 'f.txt'), 'utf8'), 'content');
    assert.deepEqual(clone.source, { kind: 'disk', name: 'src', handle: src.handle });
    await assert.rejects(
      driver.beginCreateDisk({
        ...vol,
        zone: 'local-2a',
        sizeBytes: GiB,
        source: { kind: 'disk', name: 'src' },
        idempotencyKey: 'c3',
      }),
      { code: 'InvalidArgument' },
    );
  });

  void it('makes a zone-redundant disk that every zone of its region can attach', async () => {
    // KOM options are strings: "true" is what a manifest gives.
    const offering = await driver.diskOffering({ options: { zoneRedundant: 'true' } });
    assert.equal(offering.zoneRedundant, true);
    const disk = await createDisk(driver, {
      ...vol,
      name: 'zrs',
      sizeBytes: GiB,
      options: { zoneRedundant: 'true' },
      idempotencyKey: 'zrs',
    });
    assert.equal(disk.zoneRedundant, true);
    assert.equal(disk.zone, '');
    assert.deepEqual(disk.zones, ['local-1a', 'local-1b', 'local-1c']);
    assert.deepEqual(driver.pvSource(disk).topology, {
      key: 'topology.kubernetes.io/zone',
      values: ['local-1a', 'local-1b', 'local-1c'],
    });
    const zonal = await createDisk(driver, {
      ...vol,
      name: 'zonal',
      sizeBytes: GiB,
      idempotencyKey: 'zonal',
    });
    assert.equal(zonal.zoneRedundant, false);
    assert.deepEqual(zonal.zones, [zonal.zone]);
  });

  void it('gives a PV source with hostPath and zone affinity', async () => {
    const disk = await createDisk(driver, {
      ...vol,
      name: 'd1',
      zone: 'b',
      sizeBytes: GiB,
      idempotencyKey: 'pv',
    });
    assert.deepEqual(driver.pvSource(disk), {
      volumeHandle: disk.handle,
      capacityBytes: GiB,
      accessModes: ['ReadWriteOnce'],
      volumeMode: 'Filesystem',
      hostPath: { path: disk.handle, type: 'Directory' },
      topology: { key: 'topology.kubernetes.io/zone', values: ['local-1b'] },
    });
  });

  void it('grows a disk and refuses to shrink it', async () => {
    const ref = { ...vol, name: 'd1' };
    await createDisk(driver, { ...ref, sizeBytes: GiB, idempotencyKey: 'grow' });
    const grown = await waitForOperation(driver, await driver.beginResizeDisk(ref, 2 * GiB), fast);
    assert.equal(grown.size, 2 * GiB);
    assert.equal(
      (await waitForOperation(driver, await driver.beginResizeDisk(ref, 2 * GiB), fast)).size,
      2 * GiB,
    );
    await assert.rejects(driver.beginResizeDisk(ref, GiB), { code: 'InvalidArgument' });
    await assert.rejects(driver.beginResizeDisk({ ...vol, name: 'nope' }, GiB), { code: 'NotFound' });
  });

  void it('fences a node', async () => {
    assert.equal(await driver.isFenced('node-1'), false);
    await waitForOperation(driver, await driver.beginFenceNode({ nodeName: 'node-1' }), fast);
    assert.equal(await driver.isFenced('node-1'), true);
  });

  void it('errors are DriverErrors', async () => {
    const err = await driver.getDisk({ ...vol, name: 'x' }).catch((e: unknown) => e);
    assert.ok(err instanceof DriverError);
    assert.equal(err.retryable, false);
  });
});
