// The chaos harness's resource checks on a real local provider: what an operation made is found
// by its idempotency keys, and duplicates, orphans, half-made records, dangling keys and trash
// are each reported; the seeded fault count replays the driver's own draws.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  OPERATION_KEYS,
  drawsMade,
  faultSettings,
  faultsInjected,
  judgeResources,
  scanLocalProvider,
} from '../../helpers/chaos';
import { snapshotIdempotencyKey } from '../../../workflows/snapshot-policy';
import { createDisk, fast, localDriver, useTempDir } from '../drivers/fixtures';
import { waitForOperation } from '../../../drivers/long-operation';

const APP_KEY = 'ws1/prv1/wiki';
const SIZE = 1 << 20;

void describe('chaos resource checks', () => {
  const tmp = useTempDir();
  const scope = () => join(tmp.path, 'local', 'ws1', 'prv1');
  const judge = (operationIds: string[], operationId: string, makes = {}) =>
    judgeResources(scanLocalProvider(scope(), 'wiki'), {
      appKey: APP_KEY,
      volumes: ['db'],
      operationIds,
      operationId,
      makes,
      completed: true,
      keys: OPERATION_KEYS,
    });

  void it('finds what each operation made by its keys, and nothing wrong in a clean state', async () => {
    const driver = localDriver(tmp.path);
    await createDisk(driver, {
      app: 'wiki',
      volume: 'db',
      sizeBytes: SIZE,
      idempotencyKey: 'op1/db',
      assigned: true,
    });
    await createDisk(driver, {
      app: 'wiki',
      volume: 'db',
      sizeBytes: SIZE,
      idempotencyKey: 'op2/db/restore',
    });
    const snap = await driver.beginCreateSnapshot({
      app: 'wiki',
      volume: 'db',
      idempotencyKey: snapshotIdempotencyKey(APP_KEY, { kind: 'onDemand', operationId: 'op3' }, 'db'),
    });
    await waitForOperation(driver, snap, fast);
    const found = judge(['op1', 'op2', 'op3'], 'op3', { snapshot: ['db'] });
    assert.deepEqual([found.duplicates, found.orphans, found.mismatches], [[], [], []]);
    assert.deepEqual(
      found.made.map((r) => r.kind),
      ['snapshot'],
    );
    assert.deepEqual(
      judge(['op1', 'op2', 'op3'], 'op2', { disk: ['db'] }).made.map((r) => r.kind),
      ['disk'],
    );
    // An operation that should have made a disk and did not.
    assert.deepEqual(judge(['op1', 'op2', 'op3', 'op4'], 'op4', { disk: ['db'] }).mismatches, [
      'no disk of db made',
    ]);
  });

  void it('reports orphans, duplicates, half-made records, dangling keys and trash', async () => {
    const driver = localDriver(tmp.path);
    const d1 = await createDisk(driver, {
      app: 'wiki',
      volume: 'db',
      sizeBytes: SIZE,
      idempotencyKey: 'op1/db',
      assigned: true,
    });
    await createDisk(driver, { app: 'wiki', volume: 'db', sizeBytes: SIZE, idempotencyKey: 'lost/db' });
    // A copy of d1's record under another name: same key, and a second assigned disk.
    const disks = join(scope(), 'disks', 'wiki', 'db');
    cpSync(join(disks, d1.name), join(disks, 'dcopy'), { recursive: true });
    const meta = JSON.parse(readFileSync(join(disks, d1.name, 'meta.json'), 'utf8')) as object;
    writeFileSync(
      join(disks, 'dcopy', 'meta.json'),
      JSON.stringify({ ...meta, name: 'dcopy', state: 'creating' }),
    );
    mkdirSync(join(scope(), 'keys', 'disk'), { recursive: true });
    writeFileSync(join(scope(), 'keys', 'disk', 'feedface.json'), '{"name":"gone","requestHash":"x"}');
    mkdirSync(join(scope(), 'trash', 'd-half-deleted'), { recursive: true });

    const found = judge(['op1'], 'op1', { disk: ['db'] });
    assert.equal(found.duplicates.length, 3, found.duplicates.join('\n')); // key, made twice, assigned twice
    assert.match(found.duplicates[0]!, /share operation key/);
    assert.deepEqual(
      found.orphans.sort(),
      [
        'disk db/dcopy left creating',
        `disk db/${(await driver.listDisks({ app: 'wiki', volume: 'db' })).find((d) => d.tags['kompox-operation-key'] !== d1.tags['kompox-operation-key'])!.name} made under no listed operation's key`,
        'keys/disk/feedface without its record',
        'trash/d-half-deleted',
      ].sort(),
    );
  });

  void it('counts seeded faults by replaying the draws the driver made', async () => {
    const seed = 7;
    const driver = localDriver(tmp.path, {}, faultSettings(seed));
    let thrown = 0;
    for (let i = 0; i < 40; i++) {
      try {
        await driver.listDisks({ app: 'wiki', volume: 'db' });
      } catch {
        thrown++;
      }
    }
    assert.equal(drawsMade(scope()), 40);
    assert.equal(faultsInjected(seed, 0, 40), thrown);
    assert.ok(thrown > 0 && thrown < 40, `${thrown} faults in 40 calls at 20 %`);
    assert.equal(faultsInjected(seed, 10, 40) + faultsInjected(seed, 0, 10), thrown);
  });
});
