// Benchmark: what a scrape of the worker's /metrics costs when Kompox's metrics are read from
// the app controllers (a visibility list and one Query per controller) instead of memory.
//
//   node_modules/.bin/node dist/bench/metrics-scrape.js [apps]
//
// Setup (not timed): a dev stack in a temp dir (no cluster), then N apps (default 100) whose
// controllers exist with one finished operation each (a disk bootstrap on the local provider).
// Without a cluster nothing is deployed, so no app is exported and no snapshot is listed: the
// figure is the price of finding and querying the controllers, paid for every app.
// Timed: 10 scrapes in a row with no app, then with N; reported: median and worst wall time of
// a scrape, and the worker's CPU seconds per scrape.
import { Connection, Client as TemporalClient } from '@temporalio/client';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataConverter } from '../client/codec/data-converter';
import { submitOperation, watchOperation } from '../client/submit-operation';
import { devStackStatus, devStackUp } from '../dev/dev-stack';
import { localAppTarget } from '../test/helpers/app-target';
import { NAMESPACE } from '../workers/dev-stack-constants';
import { cleanUpBench, runBench } from './bench-run';
import { cpuSeconds } from './proc-stat';

const APPS = Number(process.argv[2] ?? 100);
const SCRAPES = 10;
const SETUP_CONCURRENCY = 20;

async function timeScrapes(url: string, workerPid: number): Promise<string> {
  const times: number[] = [];
  const cpu0 = cpuSeconds(workerPid);
  for (let i = 0; i < SCRAPES; i++) {
    const t0 = performance.now();
    const res = await fetch(url);
    await res.text();
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
    times.push(performance.now() - t0);
  }
  const cpu = (cpuSeconds(workerPid) - cpu0) / SCRAPES;
  times.sort((a, b) => a - b);
  const median = times[Math.floor(SCRAPES / 2)]!;
  return `median ${median.toFixed(0)} ms, worst ${times.at(-1)!.toFixed(0)} ms, worker CPU ${(cpu * 1000).toFixed(0)} ms a scrape`;
}

runBench(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kompox-bench-'));
  const localRoot = mkdtempSync(join(dir, 'local-'));
  let connection: Connection | undefined;
  try {
    await devStackUp(dir, { ephemeralPorts: true });
    const status = devStackStatus(dir);
    if (!status.temporalAddress || !status.metricsUrl)
      throw new Error('the dev stack serves no Temporal or metrics');
    connection = await Connection.connect({ address: status.temporalAddress });
    const client = new TemporalClient({
      connection,
      namespace: NAMESPACE,
      dataConverter: loadDataConverter({ devDir: dir }),
    });
    const workerPid = Number(readFileSync(join(dir, 'worker.pid'), 'utf8'));

    console.log(`no app:    ${await timeScrapes(status.metricsUrl, workerPid)}`);
    const targets = Array.from({ length: APPS }, (_, i) => localAppTarget({ app: `scrape${i}`, localRoot }));
    let next = 0;
    await Promise.all(
      Array.from({ length: SETUP_CONCURRENCY }, async () => {
        while (next < targets.length) {
          const target = targets[next++]!;
          const op = await submitOperation(client, { kind: 'disk.bootstrap', target });
          const done = await watchOperation(client, target.appKey, op.id, { pollMs: 200 });
          if (done.phase !== 'Completed') throw new Error(`bootstrap ${target.appName}: ${done.phase}`);
        }
      }),
    );
    console.log(`${APPS} apps:  ${await timeScrapes(status.metricsUrl, workerPid)}`);
  } finally {
    await cleanUpBench(dir, [], connection);
  }
});
