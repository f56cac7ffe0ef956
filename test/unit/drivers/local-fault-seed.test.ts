// LOCAL_FAULT_SEED makes faults repeatable without making them permanent. Every activity attempt
// builds a new driver, so the seeded sequence must continue across drivers of one state dir rather
// than start again: a read that faults on one attempt succeeds within a few more.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isDriverError } from '../../../drivers/errors';
import { localDriver, useTempDir } from './fixtures';
import { seedFaultingFirst } from '../../helpers/fault-seed';

const RATE = 0.2;

/** One listDisks per attempt, each on a new driver as each activity attempt builds one. */
async function attempts(stateDir: string, seed: number, count: number): Promise<boolean[]> {
  const settings = { LOCAL_FAULTS: `listDisks=${RATE}`, LOCAL_FAULT_SEED: String(seed) };
  const out: boolean[] = [];
  for (let i = 0; i < count; i++) {
    try {
      await localDriver(stateDir, {}, settings).listDisks({ app: 'wiki', volume: 'db' });
      out.push(true);
    } catch (err) {
      assert.ok(isDriverError(err) && err.code === 'Transient', String(err));
      out.push(false);
    }
  }
  return out;
}

void describe('local driver: seeded faults across attempts', () => {
  const dir = useTempDir();
  const seed = seedFaultingFirst('listDisks', RATE);

  void it('a read that faults on its first attempt succeeds within a few attempts', async () => {
    const outcomes = await attempts(dir.path, seed, 5);
    assert.equal(outcomes[0], false, 'the chosen seed must fault on the first attempt');
    assert.ok(outcomes.includes(true), `5 attempts at a ${RATE} fault rate all faulted: ${outcomes}`);
  });

  void it('the sequence is the same for the same seed in a fresh state dir, and faults about 20 %', async () => {
    const other = await mkdtemp(join(tmpdir(), 'kompox-fault-seed-'));
    try {
      const a = await attempts(dir.path, seed, 200);
      const b = await attempts(other, seed, 200);
      assert.deepEqual(b, a);
      const faults = a.filter((ok) => !ok).length;
      assert.ok(faults >= 20 && faults <= 60, `${faults} faults in 200 draws at rate ${RATE}`);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
