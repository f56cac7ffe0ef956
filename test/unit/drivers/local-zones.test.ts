import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalZones } from '../../../drivers/local/zones';
import { context } from './fixtures';
import { LocalDriver } from '../../../drivers/local/local-driver';

void describe('local zones', () => {
  void it('has two default regions with three zones each, all names equal across spellings', () => {
    const zones = LocalZones.parse(undefined);
    assert.deepEqual(
      zones.regions.map((r) => [r.name, r.zones.map((z) => z.kom)]),
      [
        ['local-1', ['local-1a', 'local-1b', 'local-1c']],
        ['local-2', ['local-2a', 'local-2b', 'local-2c']],
      ],
    );
    assert.deepEqual(zones.resolve('local-2b'), {
      kom: 'local-2b',
      provider: 'local-2b',
      topology: 'local-2b',
      region: 'local-2',
    });
    assert.equal(zones.defaultZone().kom, 'local-1a');
  });

  void it('resolves suffixes and 1-based indexes relative to the home region', () => {
    const zones = LocalZones.parse(undefined, 'local-2');
    assert.equal(zones.resolve('b').kom, 'local-2b');
    assert.equal(zones.resolve('3').kom, 'local-2c');
    assert.equal(zones.resolve('local-1a').kom, 'local-1a');
    assert.equal(zones.defaultZone().kom, 'local-2a');
    assert.throws(() => zones.resolve('4'), { code: 'InvalidArgument' });
    assert.throws(() => zones.resolve('z'), { code: 'InvalidArgument' });
  });

  void it('reads LOCAL_REGIONS and refuses malformed or repeated names', () => {
    const zones = LocalZones.parse('east:east-x,east-y; west:west-x');
    assert.deepEqual(
      zones.regions.map((r) => r.zones.length),
      [2, 1],
    );
    assert.equal(zones.resolve('x').kom, 'east-x');
    assert.throws(() => LocalZones.parse('east'), { code: 'InvalidArgument' });
    assert.throws(() => LocalZones.parse('east:a,a'), { code: 'InvalidArgument' });
    assert.throws(() => LocalZones.parse('East:a'), { code: 'InvalidArgument' });
    assert.throws(() => LocalZones.parse(undefined, 'mars'), { code: 'InvalidArgument' });
  });

  void it('is configured through the driver settings (cluster LOCAL_REGION wins)', async () => {
    const ctx = {
      ...context('/tmp/unused', { LOCAL_REGIONS: 'r1:r1-a;r2:r2-a,r2-b' }),
      clusterSettings: { LOCAL_REGION: 'r2' },
    };
    const driver = new LocalDriver(ctx);
    assert.deepEqual(
      (await driver.listRegions()).map((r) => r.name),
      ['r1', 'r2'],
    );
    assert.equal((await driver.resolveZone('b')).kom, 'r2-b');
    assert.equal((await driver.resolveZone('r1-a')).region, 'r1');
  });
});
