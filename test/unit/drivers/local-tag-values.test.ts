// The local driver writes tags as a cloud would, within GCP's label rules, whatever the workspace,
// provider, cluster and user tag values look like; lookups by the original values still find them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalDriver } from '../../../drivers/local/local-driver';
import { TAG } from '../../../drivers/tags';
import { tagValue } from '../../../drivers/tag-value';
import { GiB, context, createDisk, createSnapshot, useTempDir } from './fixtures';

const GCP_LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;

void describe('local driver: tag values', () => {
  const dir = useTempDir();
  const vol = { app: 'wiki', volume: 'db' };
  const owner = 'Jane.Doe@Example.com';
  const driverFor = () =>
    new LocalDriver({
      ...context(dir.path),
      workspace: 'Team.Prod',
      provider: 'Local_Provider',
      cluster: `Cluster.${'East'.repeat(20)}`,
    });

  void it('writes only GCP-valid values on disks and snapshots and finds them by the raw values', async () => {
    const driver = driverFor();
    const disk = await createDisk(driver, {
      ...vol,
      name: 'd1',
      sizeBytes: GiB,
      assigned: true,
      idempotencyKey: 'op-tags-1',
      tags: { owner },
    });
    const snap = await createSnapshot(driver, {
      ...vol,
      name: 's1',
      idempotencyKey: 'op-tags-2',
      tags: { owner },
    });
    for (const [what, tags] of [
      ['disk', disk.tags],
      ['snapshot', snap.tags],
    ] as const) {
      for (const [key, value] of Object.entries(tags))
        assert.match(value, GCP_LABEL_VALUE, `${what} tag ${key}=${JSON.stringify(value)}`);
      assert.equal(tags[TAG.workspace], tagValue('Team.Prod'));
      assert.equal(tags[TAG.provider], tagValue('Local_Provider'));
      assert.equal(tags.owner, tagValue(owner));
      assert.equal(tags[TAG.app], 'wiki');
      assert.equal(tags[TAG.volume], 'db');
    }
    assert.equal(disk.tags[TAG.assigned], 'true');

    // Lookups sanitise the filter the same way, so callers keep passing names as they are.
    const byRaw = { [TAG.workspace]: 'Team.Prod', owner };
    assert.deepEqual(
      (await driver.listDisks({ ...vol, tags: byRaw })).map((d) => d.name),
      ['d1'],
    );
    assert.deepEqual(
      (await driver.listSnapshots({ ...vol, tags: byRaw })).map((s) => s.name),
      ['s1'],
    );
    assert.deepEqual(await driver.listDisks({ ...vol, tags: { owner: 'jane.doe@example.com' } }), []);
  });

  void it('refuses a user tag key no cloud accepts, saying what a key may hold', async () => {
    await assert.rejects(
      driverFor().beginCreateDisk({ ...vol, sizeBytes: GiB, idempotencyKey: 'op-k', tags: { Owner: 'x' } }),
      /tag key "Owner" .*lowercase letter/,
    );
  });
});
