// `dev up --zones`: a cloud's zone names give the dev cluster's nodes and their region.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extraClusterOption, zoneLayout } from '../../../cli/commands/dev';

void describe('dev up --zones', () => {
  void it("takes the region from the zones' common name", () => {
    assert.deepEqual(zoneLayout('us-east-1a, us-east-1b,us-east-1c'), {
      zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
      region: 'us-east-1',
    });
    assert.deepEqual(zoneLayout('1,2,3', 'japaneast'), { zones: ['1', '2', '3'], region: 'japaneast' });
  });

  void it('lets local zones span regions: each is in the region its name says', () => {
    assert.deepEqual(zoneLayout('local-1a,local-1b,local-2a'), {
      zones: ['local-1a', 'local-1b', 'local-2a'],
      region: 'local-1',
    });
    assert.deepEqual(zoneLayout('local-2a,local-2b', 'local-2'), {
      zones: ['local-2a', 'local-2b'],
      region: 'local-2',
    });
    // --region is then the region of the other zones.
    assert.deepEqual(zoneLayout('local-2a,us-east-1a'), {
      zones: ['local-2a', 'us-east-1a'],
      region: 'us-east-1',
    });
  });

  void it('reads --extra-cluster NAME[=ZONE,...]', () => {
    assert.deepEqual(extraClusterOption('east'), { name: 'east' });
    assert.deepEqual(extraClusterOption('east=local-2a,local-2b'), {
      name: 'east',
      zones: ['local-2a', 'local-2b'],
      region: 'local-2',
    });
    for (const [text, message] of [
      ['East', /--extra-cluster East: give NAME or NAME=ZONE/],
      ['=local-2a', /give NAME or NAME=ZONE/],
      ['east=', /--extra-cluster east=: give zone names/],
      [
        'east=us-east-1a,us-west-2a',
        /--extra-cluster east=us-east-1a,us-west-2a: the zones do not share a region/,
      ],
    ] as const)
      assert.throws(
        () => extraClusterOption(text),
        (err: Error & { exitCode?: number }) => message.test(err.message) && err.exitCode === 2,
      );
  });

  void it('refuses zones it cannot read or place, saying what to give (exit 2)', () => {
    for (const [zones, region, message] of [
      ['', undefined, /give zone names/],
      ['us-east-1a,US-EAST-1B', undefined, /give zone names/],
      ['us-east-1a,us-east-1a', undefined, /named twice/],
      ['us-east-1a,us-west-2a', undefined, /give --region/],
      ['1,2', undefined, /give --region/],
      ['a,b', 'Bad Region', /--region Bad Region/],
      ['local-1a,local-2a', 'local-1', /--region local-1: zone local-2a is in region local-2 by its name/],
    ] as const) {
      assert.throws(
        () => zoneLayout(zones, region),
        (err: Error & { exitCode?: number }) => {
          assert.match(err.message, message);
          assert.equal(err.exitCode, 2);
          return true;
        },
      );
    }
  });
});
