// The chaos suite: every case under cases/ (a module exporting `chaosCase` or `chaosCases`, see
// test/helpers/chaos.ts) runs its operation once cleanly to read its activity boundaries, then
// once per boundary with the worker SIGKILLed there, once with the Temporal server SIGKILLed
// mid-operation, and once per fault seed with 20 % transient faults on every driver call. Every
// run must complete exactly once and leave no duplicate, orphan or mismatch; one table of all
// cases is printed at the end. KOMPOX_CHAOS=long (make chaos) kills at every boundary of every
// case with more seeds; the short form (make test) samples. KOMPOX_CHAOS_ONLY narrows the cases.
//
// A new operation is one file here: cases/app-migrate.ts, say, exporting a ChaosCase of kind
// `app.migrate` whose prepare() returns wikiRun(env, project, settings, { args: ['app', 'migrate',
// …], makes: { disk: WIKI_VOLUMES }, check }) (or its own ChaosRun submitting through
// client/submit-operation.ts), plus `operationKeys` for idempotency keys the workflow derives
// beyond OPERATION_KEYS; child workflows it starts are followed for boundaries on their own.
// Failover is no case here: it needs real nodes, and test/integration/failover/worker-kill.test.ts
// kills the worker at each kind of activity a node incident and its failover schedule.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type ChaosCase,
  type ChaosEnv,
  type ChaosRow,
  type RunResult,
  activityBoundaries,
  chaosMode,
  describeRun,
  formatTable,
  rowOf,
  runCase,
  shortSample,
  workerRestartsAfterServerKill,
} from '../helpers/chaos';
import { type TestStack, startTestStack } from '../helpers/dev-stack';
import { removeWikiProjects } from './wiki-app';

/** Every case module under cases/, in file name order. */
function loadCases(): ChaosCase[] {
  const dir = join(__dirname, 'cases');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .sort()
    .flatMap((f) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(join(dir, f)) as { chaosCase?: ChaosCase; chaosCases?: ChaosCase[] };
      return [...(mod.chaosCase ? [mod.chaosCase] : []), ...(mod.chaosCases ?? [])];
    })
    .filter((c) => only === undefined || only.test(c.name));
}

/** KOMPOX_CHAOS_ONLY=<regex>: only the cases whose names match (when working on one). */
const only = process.env.KOMPOX_CHAOS_ONLY ? new RegExp(process.env.KOMPOX_CHAOS_ONLY) : undefined;

const mode = chaosMode();

void describe(`chaos (${mode} form)`, () => {
  let stack: TestStack | undefined;
  const rows: ChaosRow[] = [];
  before(async () => {
    stack = await startTestStack({ cluster: true });
  });
  after(async () => {
    await stack?.stop();
    removeWikiProjects();
  });
  const env = (): ChaosEnv => {
    if (!stack) throw new Error('the dev stack did not start (see the before hook)');
    return { stack, mode };
  };

  for (const c of loadCases()) {
    void it(c.name, async (t) => {
      await c.setup?.(env());
      const clean = await runCase(env(), c, { kind: 'none' });
      t.diagnostic(describeRun(clean));
      assert.ok(clean.completed && clean.record.workflowId, `the clean run failed: ${describeRun(clean)}`);
      const boundaries = await activityBoundaries(env().stack.client, clean.record.workflowId);
      t.diagnostic(`boundaries: ${boundaries.map((b) => b.label).join(', ')}`);
      assert.ok(boundaries.length > 0, 'the operation scheduled no activity');

      const results: RunResult[] = [];
      const record = (r: RunResult): void => {
        results.push(r);
        t.diagnostic(describeRun(r));
      };
      const killAt = mode === 'long' ? boundaries : shortSample(boundaries, c.shortBoundaries);
      for (const at of killAt) record(await runCase(env(), c, { kind: 'worker', at }));
      if (c.serverKill[mode]) {
        const [at] = c.serverKillAt
          ? shortSample(boundaries, [c.serverKillAt])
          : boundaries.slice(Math.floor(boundaries.length / 2));
        record(await runCase(env(), c, { kind: 'server', at: at! }));
      }
      for (const seed of c.faultSeeds[mode]) record(await runCase(env(), c, { kind: 'faults', seed }));
      rows.push(rowOf(c.name, results));

      const bad = results.filter(
        (r) => !r.completed || r.duplicates.length || r.orphans.length || r.mismatches.length,
      );
      assert.deepEqual(bad.map(describeRun), [], 'runs that did not end clean');
      assert.ok(
        results.every((r) => r.injection.kind === 'faults' || r.killed),
        'a kill was planned but not made',
      );
    });
  }

  void it('prints the table', (t) => {
    const table = formatTable(rows);
    t.diagnostic(`\n${table}`);
    console.log(`\nchaos (${mode} form)\n${table}\n`);
    const restarts = workerRestartsAfterServerKill();
    if (restarts) t.diagnostic(`the worker exited after ${restarts} server kill(s) and was started again`);
    assert.ok(rows.length > 0, 'no case ran');
  });
});
