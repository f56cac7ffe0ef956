// Deploy wall time through Temporal against the same steps called as plain functions, in one
// run on one stack: the real Temporal dev server and worker, the real local control plane and
// zero-latency local disks. Each path deploys its own copy of examples/wiki: a first deploy,
// then redeploys that each change the inline config (so every run applies, rolls out a new
// ReplicaSet and prunes). Runs of the two paths alternate so drift hits both alike.
//
//   node_modules/.bin/node dist/bench/deploy.js [runs per path, default 8]
//
// Temporal time: submit (update-with-start to the controller) until the controller's query
// shows the operation Completed (polled every 20 ms). Plain time: validate, list disks,
// render and apply, wait for rollout, verify zone and prune called in sequence on the
// activity implementations, each in a MockActivityEnvironment (they need an activity Context).
import { devAccess } from '../workers/worker-config';
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActivities } from '../activities';
import { loadDataConverter } from '../client/codec/data-converter';
import { loadAppRevision } from '../cli/project';
import { submitOperation, watchOperation } from '../client/submit-operation';
import { setWikiLogLevel, wikiProject, type TestProject } from '../test/helpers/deploy-project';
import { devClusterAccess, devStackDown, devStackUp } from '../dev/dev-stack';
import { NAMESPACE } from '../workers/dev-stack-constants';
import type { AppRevision } from '../api/app-revision';
import type { AppTarget } from '../api/app-target';

const log = (m: string) => process.stderr.write(`${m}\n`);

/** The project as the CLI packs it: its target and an app revision of its files now. */
function revisionOf(project: TestProject): { target: AppTarget; revision: AppRevision } {
  const cwd = process.cwd();
  process.chdir(project.dir);
  try {
    return loadAppRevision({});
  } finally {
    process.chdir(cwd);
  }
}

/** Nearest-rank percentile. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

function summary(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    median: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    min: sorted[0] ?? NaN,
    max: sorted.at(-1) ?? NaN,
  };
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 8);
  if (!Number.isInteger(runs) || runs < 2) throw new Error('runs per path: a whole number >= 2');
  const dir = mkdtempSync(join(tmpdir(), 'kompox-bench-'));
  const projects = { temporal: wikiProject('benchtemporal'), plain: wikiProject('benchplain') };
  let connection: Connection | undefined;
  try {
    log(`starting the dev stack with the control plane in ${dir}`);
    const status = await devStackUp(dir, { cluster: true });
    if (!status.temporalAddress || !status.kubeconfig) throw new Error('the dev stack did not come up whole');
    connection = await Connection.connect({ address: status.temporalAddress });
    // The same codec as the CLI: encryption is part of the Temporal path's cost.
    const client = new Client({
      connection,
      namespace: NAMESPACE,
      dataConverter: loadDataConverter({ devDir: dir }),
    });
    const targets = {
      temporal: revisionOf(projects.temporal).target,
      plain: revisionOf(projects.plain).target,
    };

    const throughTemporal = async (request: Parameters<typeof submitOperation>[1]) => {
      const accepted = await submitOperation(client, request);
      const done = await watchOperation(client, accepted.appKey, accepted.id, { pollMs: 20 });
      if (done.phase !== 'Completed')
        throw new Error(`${request.kind} ${done.phase}: ${done.failure?.reason}: ${done.failure?.message}`);
      return done;
    };
    // Disks for both apps, not measured (the plain path has no disk workflow to compare).
    for (const target of Object.values(targets)) await throughTemporal({ kind: 'disk.bootstrap', target });

    const acts = createActivities({
      stateDir: dir,
      access: devAccess('the benchmark'),
      devCluster: devClusterAccess(dir),
    });
    const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
      new MockActivityEnvironment().run(fn, ...args);
    const plainDeploy = async ({ target, revision }: { target: AppTarget; revision: AppRevision }) => {
      await run(acts.validateApp, { target, revision });
      await run(acts.listDisks, { target });
      const applied = await run(acts.applyApp, { target, revision });
      await run(acts.waitForAppRollout, {
        target,
        namespace: applied.namespace,
        deployment: applied.deployment,
        timeoutSeconds: 600,
      });
      await run(acts.verifyPlacement, {
        target,
        namespace: applied.namespace,
        selector: applied.podSelector,
        zone: applied.zone,
      });
      await run(acts.pruneApp, { target, namespace: applied.namespace, keepRenderHash: applied.renderHash });
    };

    const times = { temporal: [] as number[], plain: [] as number[] };
    for (let i = 0; i < runs; i++) {
      for (const path of ['temporal', 'plain'] as const) {
        if (i > 0) setWikiLogLevel(projects[path], i % 2 ? 'debug' : 'info');
        const packed = revisionOf(projects[path]);
        const started = performance.now();
        if (path === 'temporal') await throughTemporal({ kind: 'app.deploy', ...packed });
        else await plainDeploy(packed);
        const ms = performance.now() - started;
        times[path].push(ms);
        log(
          `run ${i + 1}/${runs} ${path.padEnd(8)} ${(ms / 1000).toFixed(2)} s${i === 0 ? ' (first deploy)' : ''}`,
        );
      }
    }

    const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`.padStart(8);
    const t = summary(times.temporal);
    const p = summary(times.plain);
    const lines = [
      `deploy of examples/wiki on the local control plane, zero-latency local disks`,
      `${runs} runs per path: 1 first deploy + ${runs - 1} config changes (each a new ReplicaSet)`,
      `${''.padEnd(18)}${'median'.padStart(8)}${'p90'.padStart(8)}${'min'.padStart(8)}${'max'.padStart(8)}`,
      `${'through Temporal'.padEnd(18)}${fmt(t.median)}${fmt(t.p90)}${fmt(t.min)}${fmt(t.max)}`,
      `${'plain functions'.padEnd(18)}${fmt(p.median)}${fmt(p.p90)}${fmt(p.min)}${fmt(p.max)}`,
      `ratio Temporal/plain: median ${(t.median / p.median).toFixed(2)}x, p90 ${(t.p90 / p.p90).toFixed(2)}x; ` +
        `overhead at the median ${((t.median - p.median) / 1000).toFixed(2)} s`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await connection?.close();
    await devStackDown(dir).catch((err: unknown) => log(`dev down: ${String(err)}`));
    rmSync(dir, { recursive: true, force: true });
    for (const p of Object.values(projects)) rmSync(p.dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
