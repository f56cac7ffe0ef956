// `dev up --zones`: a cloud's zone names give the dev cluster's nodes and their region.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { zoneLayout } from '../../../cli/commands/dev';

void describe('dev up --zones', () => {
  void it("takes the region from the zones' common name", () => {
    assert.deepEqual(zoneLayout('us-east-1a, us-east-1b,us-east-1c'), {
      zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
      region: 'us-east-1',
    });
    assert.deepEqual(zoneLayout('1,2,3', 'japaneast'), { zones: ['1', '2', '3'], region: 'japaneast' });
  });

  void it('refuses zones it cannot read or place, saying what to give (exit 2)', () => {
    for (const [zones, region, message] of [
      ['', undefined, /give zone names/],
      ['us-east-1a,US-EAST-1B', undefined, /give zone names/],
      ['us-east-1a,us-east-1a', undefined, /named twice/],
      ['us-east-1a,us-west-2a', undefined, /give --region/],
      ['1,2', undefined, /give --region/],
      ['a,b', 'Bad Region', /--region Bad Region/],
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
