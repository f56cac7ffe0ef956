// The gke driver does not hide a long outage: its retries are bounded (the client library's own
// are off), each attempt of a create carries the same requestId, and once the cloud answers again
// the same key makes one disk. The model's seeded faults fall before or after the effect (lost replies).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DriverError } from '../../drivers/errors';
import { GkeDriver, createGkeDriver } from '../../drivers/gke/gke-driver';
import { keyUuid } from '../../drivers/idempotency';
import { waitForOperation } from '../../drivers/long-operation';
import { type GkeFakeEnv, startGkeFakeEnv } from '../fakes/gcp/gke-fake-env';

const GiB = 1024 ** 3;

void describe('gke: bounded retries', () => {
  let env: GkeFakeEnv;
  let driver: GkeDriver;
  before(async () => {
    env = await startGkeFakeEnv({ faultRate: 0.3, seed: 5 }, 'gke-outage');
    driver = createGkeDriver(env.ctx, { attempts: 4, backoffMs: 10 });
  });
  after(async () => {
    await driver?.close();
    await env?.stop();
  });

  void it('gives up after four attempts with a retryable error, then the same key makes one disk', async () => {
    const req = { app: 'a', volume: 'v', name: 'd1', zone: 'a', sizeBytes: GiB, idempotencyKey: 'outage-1' };
    await driver.listRegions(); // zones looked up before the outage
    env.model.inject('disks.insert', 'transient', 50);
    const sent = () =>
      env.model.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/zones/us-central1-a/disks'));
    await assert.rejects(driver.beginCreateDisk(req), (err: unknown) => {
      assert.ok(err instanceof DriverError);
      assert.equal(err.code, 'Transient');
      assert.equal(err.retryable, true);
      return true;
    });
    assert.equal(sent().length, 4, 'four attempts, no more');
    assert.ok(sent().every((r) => r.token === keyUuid(req.idempotencyKey)));
    env.model.clearFaults();
    const disk = await waitForOperation(driver, await driver.beginCreateDisk(req), { intervalMs: 10 });
    assert.equal(disk.name, 'd1');
    assert.equal([...env.model.disks.values()].filter((d) => d.tags['kompox-disk-name'] === 'd1').length, 1);
  });

  void it('makes one disk per key through 30 % seeded faults, before and after the effect', async () => {
    for (let i = 0; i < 8; i++) {
      const req = {
        app: 'b',
        volume: 'v',
        name: `d${i}`,
        zone: 'b',
        sizeBytes: GiB,
        idempotencyKey: `faulty-${i}`,
      };
      for (let attempt = 0; ; attempt++) {
        try {
          await waitForOperation(driver, await driver.beginCreateDisk(req), { intervalMs: 10 });
          break;
        } catch (err) {
          assert.ok(err instanceof DriverError && err.retryable && attempt < 5, String(err));
        }
      }
    }
    const made = [...env.model.disks.values()].filter((d) => d.tags['kompox-app-name'] === 'b');
    assert.equal(made.length, 8);
    const failedInserts = env.model.requests.filter(
      (r) => r.path.endsWith('/zones/us-central1-b/disks') && r.status === 503,
    );
    assert.ok(failedInserts.length > 0, 'the seed gives faults on inserts');
  });
});
