// The worker exports the age of each volume's newest ready snapshot as a Prometheus gauge.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { submitOperation, watchOperation } from '../../../client/submit-operation';
import { devStackStatus } from '../../../dev/dev-stack';
import { localAppTarget } from '../../helpers/app-target';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';

describe('kompox_snapshot_age_seconds', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
  });

  it('appears after a snapshot and grows with time', async () => {
    const url = devStackStatus(stack.dir).metricsUrl;
    assert.ok(url, 'the dev stack worker serves no metrics');
    const target = localAppTarget();
    const boot = await submitOperation(stack.client, { kind: 'disk.bootstrap', target });
    await watchOperation(stack.client, target.appKey, boot.id);
    const snap = await submitOperation(stack.client, { kind: 'snapshot.create', target, volume: 'db' });
    assert.equal((await watchOperation(stack.client, target.appKey, snap.id)).phase, 'Completed');

    const line = new RegExp(
      `^kompox_snapshot_age_seconds\\{app_key="${target.appKey.replace(/\//g, '\\/')}",volume="db"\\} ([0-9.e+-]+)$`,
      'm',
    );
    const read = async (): Promise<number | undefined> => {
      const text = await (await fetch(url)).text();
      const m = line.exec(text);
      return m ? Number(m[1]) : undefined;
    };
    const deadline = Date.now() + 20_000;
    let first = await read();
    while (first === undefined && Date.now() < deadline) {
      await sleep(250);
      first = await read();
    }
    assert.ok(first !== undefined, 'gauge for the volume never appeared');
    assert.ok(first >= 0 && first < 30, `age ${first}s is not fresh`);
    await sleep(11_000); // one refresh interval of the gauge
    const later = await read();
    assert.ok(later !== undefined && later > first, `age did not grow: ${first} then ${later}`);
  });
});
