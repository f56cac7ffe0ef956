// Benchmark: wall time of `kompoxops validate` and `kompoxops app render` on the wiki example,
// next to `node -e 0` (the floor: starting Node itself) in the same run, and the in-process time
// of the work they do (load KOM + compose, convert), so what is left is module loading. The
// issue's target is ≤ 0.8 s each on an idle machine.
//
//   node_modules/.bin/node dist/bench/cli-startup.js [runs]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadProject, resolveApp } from '../kom';
import { convertApp, localFileValues, placeholderDisks } from '../kube/convert';
import { repoRoot } from '../workers/repo-root';

const RUNS = Number(process.argv[2] ?? 5);
const TARGET_SECONDS = 0.8;
const WIKI = join(repoRoot(), 'examples', 'wiki');
const WIKI_APP_ID = '/ws/demo/prv/local/cls/dev/app/wiki';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Median wall seconds of a command, and the exit code of its last run. */
function timeCommand(command: string, args: string[]): { seconds: number; status: number | null } {
  const times: number[] = [];
  let status: number | null = null;
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const result = spawnSync(command, args, { cwd: WIKI, encoding: 'utf8', env: { ...process.env } });
    times.push((performance.now() - start) / 1000);
    status = result.status;
  }
  return { seconds: median(times), status };
}

function timeInProcess(): number {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const context = resolveApp(loadProject({ cwd: WIKI, env: {} }), WIKI_APP_ID);
    convertApp({ context, disks: placeholderDisks(context), values: localFileValues() });
    times.push((performance.now() - start) / 1000);
  }
  return median(times);
}

const kompoxops = join(repoRoot(), 'bin', 'kompoxops');
const floor = timeCommand(process.execPath, ['-e', '0']);
const validate = timeCommand(kompoxops, ['validate']);
const render = timeCommand(kompoxops, ['app', 'render']);
const work = timeInProcess();

const line = (name: string, seconds: number, note = '') =>
  console.log(
    `${name.padEnd(34)} ${seconds.toFixed(3)} s  ${(seconds / floor.seconds).toFixed(1)}× node -e 0${note}`,
  );
console.log(`median of ${RUNS} runs; target ≤ ${TARGET_SECONDS} s for validate and render`);
line('node -e 0', floor.seconds);
line('kompoxops validate', validate.seconds, validate.status === 0 ? '' : `  (exit ${validate.status})`);
line('kompoxops app render', render.seconds, render.status === 0 ? '' : `  (exit ${render.status})`);
line('in process: load, resolve, convert', work);
