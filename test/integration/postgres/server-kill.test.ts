// Kompox on the Temporal server on PostgreSQL (`dev up --server postgres`), as teams run it: a
// first deploy and a stop-consistent on-demand snapshot each run once cleanly, then once with the
// server SIGKILLed in the middle and started again on the same database. Each run goes through
// the chaos harness's checks (test/helpers/chaos.ts): the operation completes exactly once (one
// record, one workflow run), no disk or snapshot is made twice or left behind, the snapshots hold
// the files written before (by checksum), and the stop-consistent app is back at 1 replica.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { devStackStatus } from '../../../dev/dev-stack';
import { POSTGRES_BIN_DIR, POSTGRES_USER } from '../../../dev/postgres';
import { type ChaosCase, type ChaosEnv, activityBoundaries, describeRun, runCase } from '../../helpers/chaos';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import { chaosCase as deployCase } from '../../chaos/cases/deploy';
import { chaosCases as snapshotCases } from '../../chaos/cases/snapshot-create';
import { removeWikiProjects } from '../../chaos/wiki-app';

/** One number from the stack's `temporal` database. */
function sqlCount(stack: TestStack, query: string): number {
  const { postgresPort } = JSON.parse(readFileSync(join(stack.dir, 'stack.json'), 'utf8')) as {
    postgresPort: number;
  };
  const result = spawnSync(
    join(POSTGRES_BIN_DIR, 'psql'),
    ['-h', '127.0.0.1', '-p', String(postgresPort), '-U', POSTGRES_USER, '-d', 'temporal', '-tAc', query],
    { encoding: 'utf8' },
  );
  assert.equal(result.status, 0, result.stderr);
  return Number(result.stdout.trim());
}

void describe('Temporal server on PostgreSQL: operations survive a server SIGKILL', () => {
  let stack: TestStack | undefined;
  before(async () => {
    stack = await startTestStack({ cluster: true, server: 'postgres' });
  });
  after(async () => {
    await stack?.stop();
    removeWikiProjects();
  });
  const env = (): ChaosEnv => {
    if (!stack) throw new Error('the dev stack did not start (see the before hook)');
    return { stack, mode: 'short' };
  };

  void it('runs the Temporal server on PostgreSQL, not the dev server', () => {
    const status = devStackStatus(env().stack.dir);
    assert.equal(status.server, 'postgres');
    assert.ok(status.temporal.running && status.postgres?.running, JSON.stringify(status));
    assert.ok(!existsSync(status.temporal.dbFile), 'the dev server wrote its SQLite file');
    // The server keeps its namespaces in the database: Kompox's is there.
    assert.equal(sqlCount(env().stack, `SELECT count(*) FROM namespaces WHERE name = 'default'`), 1);
  });

  const killedMidway = async (c: ChaosCase) => {
    await c.setup?.(env());
    const executionsBefore = sqlCount(env().stack, 'SELECT count(*) FROM executions');
    const clean = await runCase(env(), c, { kind: 'none' });
    assert.ok(clean.completed && clean.record.workflowId, `the clean run failed: ${describeRun(clean)}`);
    // The operation's workflows are rows of the server's PostgreSQL database.
    assert.ok(sqlCount(env().stack, 'SELECT count(*) FROM executions') > executionsBefore);
    const boundaries = await activityBoundaries(env().stack.client, clean.record.workflowId);
    const at = boundaries[Math.floor(boundaries.length / 2)];
    assert.ok(at, 'the operation scheduled no activity');
    const killed = await runCase(env(), c, { kind: 'server', at });
    for (const r of [clean, killed]) {
      assert.ok(r.completed, describeRun(r));
      assert.deepEqual([...r.duplicates, ...r.orphans, ...r.mismatches], [], describeRun(r));
    }
    assert.ok(killed.killed, `the server was not killed: ${describeRun(killed)}`);
    return { clean, killed };
  };

  void it('deploy --bootstrap-disks: clean, and with the server SIGKILLed mid-deploy', async (t) => {
    const { clean, killed } = await killedMidway(deployCase);
    t.diagnostic(describeRun(clean));
    t.diagnostic(describeRun(killed));
    assert.deepEqual(killed.made.length, 2, `one disk per volume: ${killed.made.join(', ')}`);
  });

  void it('snapshot create (stop): clean, and with the server SIGKILLed mid-snapshot', async (t) => {
    const stop = snapshotCases.find((c) => c.name === 'snapshot create (stop)');
    assert.ok(stop);
    const { clean, killed } = await killedMidway(stop);
    t.diagnostic(describeRun(clean));
    t.diagnostic(describeRun(killed));
    assert.deepEqual(killed.made.length, 2, `one snapshot per volume: ${killed.made.join(', ')}`);
  });
});
