// The oke driver's SDK retries against the OCI Core API fake: a create whose reply is lost after
// OCI made the resource is sent again with the same opc-retry-token and gets that resource (never
// a second one), and an outage reaches the caller after a bounded number of attempts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isDriverError } from '../../drivers/errors';
import { keyDigest } from '../../drivers/idempotency';
import { waitForOperation } from '../../drivers/long-operation';
import { type OkeDriver, createOkeDriver } from '../../drivers/oke/oke-driver';
import { TAG } from '../../drivers/tags';
import { type OkeWorld, startOkeWorld } from './oke-world';

const GiB = 1024 ** 3;
const creates = (path: RegExp) => (r: { method: string; path: string }) =>
  r.method === 'POST' && path.test(r.path);

void describe('oke: SDK retries are bounded and never create twice', () => {
  let world: OkeWorld;
  let driver: OkeDriver;
  before(async () => {
    // Half of all mutating calls fail, half of those after their effect: many lost replies.
    world = await startOkeWorld('oke-retries', 0.5, {});
    driver = createOkeDriver(world.ctx, { maxAttempts: 12, retryBaseDelayMs: 1 });
  });
  after(() => world?.stop());

  void it('answers a retried create with the resource its lost reply was about', async () => {
    const ref = { app: 'lost', volume: 'data' };
    for (let i = 0; i < 8; i++) {
      const key = `lost-${i}`;
      const op = await driver.beginCreateDisk({
        ...ref,
        name: `d${i}`,
        zone: 'AD-1',
        sizeBytes: GiB,
        idempotencyKey: key,
      });
      await waitForOperation(driver, op, { intervalMs: 10, timeoutMs: 10_000 });
      assert.equal(
        world.model.tagged(world.model.disks, { [TAG.operationKey]: keyDigest(key) }).length,
        1,
        key,
      );
    }
    const posts = world.model.requests.filter(creates(/\/volumes$/));
    const lost = world.fake.lostReplies.filter(creates(/\/volumes$/));
    assert.ok(lost.length > 0, 'the seeded faults lost some create replies after the volume was made');
    for (const r of lost) {
      assert.ok(
        posts.some((p) => p !== r && p.token === r.token && p.status === 200),
        'the SDK sent the create again with the same token and got the volume',
      );
    }
    assert.equal((await driver.listDisks(ref)).length, 8);
  });

  void it('gives up after maxAttempts and lets the caller retry (Transient)', async () => {
    world.model.inject('CreateVolume', 'transient', 100);
    const before = world.model.requests.length;
    await assert.rejects(
      driver.beginCreateDisk({
        app: 'outage',
        volume: 'data',
        zone: 'AD-1',
        sizeBytes: GiB,
        idempotencyKey: 'outage-1',
      }),
      (err: unknown) => isDriverError(err, 'Transient') && err.retryable,
    );
    assert.equal(world.model.requests.slice(before).filter(creates(/\/volumes$/)).length, 12);
    world.model.clearFaults();
  });
});
