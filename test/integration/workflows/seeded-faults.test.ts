// LOCAL_FAULT_SEED on the real worker: with a seed whose first listDisks draw faults (20 % rate),
// a disk bootstrap retries its listDisks activity and completes, where each attempt used to
// replay the same fault for ever (the operation stuck at "list disks").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activityAttempts, runOperation, suiteStack } from '../../helpers/snapshots';
import { seedFaultingFirst } from '../../helpers/fault-seed';

const RATE = 0.2;

void describe('seeded faults on the worker', () => {
  const suite = suiteStack();

  void it('a bootstrap whose first listDisks faults retries it and completes within a minute', async () => {
    const target = suite.target({
      volumes: ['db'],
      settings: {
        LOCAL_FAULTS: `listDisks=${RATE}`,
        LOCAL_FAULT_SEED: String(seedFaultingFirst('listDisks', RATE)),
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const op = await Promise.race([
      runOperation(suite.stack.client, { kind: 'disk.bootstrap', target }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('disk.bootstrap still running after 60 s')), 60_000);
      }),
    ]).finally(() => clearTimeout(timer));
    assert.equal(op.phase, 'Completed', JSON.stringify(op.failure));
    const attempts = await activityAttempts(suite.stack.client, op.workflowId!);
    assert.ok(
      (attempts.listDisks ?? []).some((n) => n >= 2),
      `the seeded fault never hit listDisks: ${JSON.stringify(attempts)}`,
    );
  });
});
