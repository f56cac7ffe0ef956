// Deploy wall time through Temporal against the same steps called as plain functions, in one
// run on one stack: the real Temporal dev server and worker, the real local control plane and
// zero-latency local disks. Each path deploys its own copy of examples/wiki: a first deploy,
// then redeploys that each change the inline config (so every run applies, rolls out a new
// ReplicaSet and prunes). Runs of the two paths alternate so drift hits both alike.
//
//   node_modules/.bin/node dist/bench/deploy.js [runs per path, default 8]
//
// Temporal time: submit (update-with-start to the controller) until the controller's query
// shows the operation Completed (see through-temporal.ts). Plain time: validate, list disks,
// render and apply, wait for rollout, verify zone and prune called in sequence on the
// activity implementations, each in a MockActivityEnvironment (they need an activity Context).
import { devAccess } from '../workers/worker-config';
import { Client, Connection } from '@temporalio/client';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActivities } from '../activities';
import { loadDataConverter } from '../client/codec/data-converter';
import { setWikiLogLevel, wikiProject } from '../test/helpers/deploy-project';
import { devClusterAccess, devStackUp } from '../dev/dev-stack';
import { cleanUpBench, runBench } from './bench-run';
import { throughTemporal } from './through-temporal';
import { NAMESPACE } from '../workers/dev-stack-constants';
import { plainDeploy, revisionOf } from './plain-deploy';
import { comparisonLines } from './timings';

const log = (m: string) => process.stderr.write(`${m}\n`);

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

    // Disks for both apps, not measured (the plain path has no disk workflow to compare).
    for (const target of Object.values(targets))
      await throughTemporal(client, { kind: 'disk.bootstrap', target });

    const acts = createActivities({
      stateDir: dir,
      access: devAccess('the benchmark'),
      devCluster: devClusterAccess(dir),
    });

    const times = { temporal: [] as number[], plain: [] as number[] };
    for (let i = 0; i < runs; i++) {
      for (const path of ['temporal', 'plain'] as const) {
        if (i > 0) setWikiLogLevel(projects[path], i % 2 ? 'debug' : 'info');
        const packed = revisionOf(projects[path]);
        const started = performance.now();
        if (path === 'temporal') await throughTemporal(client, { kind: 'app.deploy', ...packed });
        else await plainDeploy(acts, packed);
        const ms = performance.now() - started;
        times[path].push(ms);
        log(
          `run ${i + 1}/${runs} ${path.padEnd(8)} ${(ms / 1000).toFixed(2)} s${i === 0 ? ' (first deploy)' : ''}`,
        );
      }
    }

    const lines = [
      `deploy of examples/wiki on the local control plane, zero-latency local disks`,
      `${runs} runs per path: 1 first deploy + ${runs - 1} config changes (each a new ReplicaSet)`,
      ...comparisonLines(times.temporal, times.plain),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await cleanUpBench(dir, Object.values(projects), connection);
  }
}

runBench(main);
