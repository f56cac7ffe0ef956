// Regional Persistent Disks on the gke driver against the Compute Engine fake: a disk replicated
// in two zones of a region (the `zoneRedundant` option, `replicaZones` to pick them), its PV
// (both zones, `force-attach`), a snapshot of it through a regional operation, and its delete.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OperationHandle } from '../../drivers/driver';
import { GkeDriver, createGkeDriver } from '../../drivers/gke/gke-driver';
import { waitForOperation } from '../../drivers/long-operation';
import { type GkeFakeEnv, startGkeFakeEnv } from '../fakes/gcp/gke-fake-env';

const GiB = 1024 ** 3;
const ref = { app: 'wiki', volume: 'data' };

void describe('gke: regional disks', () => {
  let env: GkeFakeEnv;
  let driver: GkeDriver;
  const wait = <T>(op: OperationHandle): Promise<T> =>
    waitForOperation(driver, op, { intervalMs: 10, timeoutMs: 30_000 }) as Promise<T>;
  before(async () => {
    env = await startGkeFakeEnv({ faultRate: 0.1, seed: 3 }, 'gke-regional');
    driver = createGkeDriver(env.ctx, { backoffMs: 10 });
  });
  after(async () => {
    await driver?.close();
    await env?.stop();
  });

  void it('offers regional disks across the zones of a region', async () => {
    const offering = await driver.diskOffering({ options: { zoneRedundant: true } });
    assert.equal(offering.zoneRedundant, true);
    assert.deepEqual(
      offering.zones.map((z) => z.kom),
      ['us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f'],
    );
  });

  void it('creates one in its zone and the next, gives a PV for both zones, snapshots and deletes it', async () => {
    const handle = await driver.beginCreateDisk({
      ...ref,
      name: 'r1',
      zone: 'b',
      sizeBytes: GiB,
      options: { zoneRedundant: true },
      idempotencyKey: 'regional-r1',
    });
    assert.equal(handle.pollState.scope, 'region');
    const disk = await wait<Awaited<ReturnType<GkeDriver['getDisk']>>>(handle);
    assert.equal(disk.zoneRedundant, true);
    assert.equal(disk.zone, '');
    assert.deepEqual(disk.zones, ['us-central1-b', 'us-central1-c']);
    assert.match(
      disk.handle,
      /^projects\/kompox-test-project\/regions\/us-central1\/disks\/kd-wiki-data-r1-/,
    );
    assert.equal(disk.size, 10 * GiB, 'rounded up to the smallest pd-balanced disk');
    const pv = driver.pvSource(disk);
    assert.deepEqual(pv.csi?.volumeAttributes, { 'force-attach': 'true' });
    assert.deepEqual(pv.topology, {
      key: 'topology.gke.io/zone',
      values: ['us-central1-b', 'us-central1-c'],
    });

    const snapOp = await driver.beginCreateSnapshot({
      ...ref,
      disk: 'r1',
      name: 's1',
      idempotencyKey: 'regional-s1',
    });
    assert.equal(snapOp.pollState.scope, 'region');
    const snap = await wait<{ region: string; sourceDisk: { handle: string } }>(snapOp);
    assert.equal(snap.region, 'us-central1');
    assert.equal(snap.sourceDisk.handle, disk.handle);
    const zonal = await wait<{ zone: string; zoneRedundant: boolean }>(
      await driver.beginCreateDisk({
        ...ref,
        name: 'z1',
        zone: 'us-central1-f',
        sizeBytes: GiB,
        source: { kind: 'snapshot', name: 's1' },
        idempotencyKey: 'regional-z1',
      }),
    );
    assert.deepEqual([zonal.zone, zonal.zoneRedundant], ['us-central1-f', false]);

    assert.equal(await wait(await driver.beginDeleteDisk({ ...ref, name: 'r1' })), null);
    assert.deepEqual(
      (await driver.listDisks(ref)).map((d) => d.name),
      ['z1'],
    );
  });

  void it('takes the replica zones it is given, and refuses two zones the disk is not in', async () => {
    const disk = await wait<{ zones: string[] }>(
      await driver.beginCreateDisk({
        ...ref,
        name: 'r2',
        zone: 'f',
        sizeBytes: GiB,
        options: { replicaZones: 'a,f' },
        idempotencyKey: 'regional-r2',
      }),
    );
    assert.deepEqual(disk.zones, ['us-central1-a', 'us-central1-f']);
    await assert.rejects(
      driver.beginCreateDisk({
        ...ref,
        name: 'r3',
        zone: 'b',
        sizeBytes: GiB,
        options: { replicaZones: 'a,c' },
        idempotencyKey: 'regional-r3',
      }),
      { code: 'InvalidArgument' },
    );
  });
});
