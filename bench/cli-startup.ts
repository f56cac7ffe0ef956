// Benchmark: wall time of `kompoxops --help`, and of `kompoxops validate` and `kompoxops app
// render` on the wiki example (--help and validate also on a copy with a Provider of each cloud,
// eks, aks, gke and oke, which must load none of their SDKs), next to `node -e 0` (the floor:
// starting Node itself) in the same run, and the in-process time of the work they do (load KOM +
// compose, convert), so what is left is module loading. Targets on an idle machine: --help ≤ 0.3 s, validate and render ≤ 0.8 s.
//
//   node_modules/.bin/node dist/bench/cli-startup.js [runs]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadProject, resolveApp } from '../kom';
import { convertApp, localFileValues, placeholderDisks } from '../kube/convert';
import { repoRoot } from '../workers/repo-root';

const RUNS = Number(process.argv[2] ?? 5);
const TARGET_SECONDS = 0.8;
const HELP_TARGET_SECONDS = 0.3;
const WIKI = join(repoRoot(), 'examples', 'wiki');
const WIKI_APP_ID = '/ws/demo/prv/local/cls/dev/app/wiki';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Median wall seconds of a command, and the exit code of its last run. */
function timeCommand(
  command: string,
  args: string[],
  cwd = WIKI,
): { seconds: number; status: number | null } {
  const times: number[] = [];
  let status: number | null = null;
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env } });
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

/** Provider documents of the other clouds, each on its driver, added beside the app's own. */
const CLOUD_PROVIDERS: [string, string][] = [
  [
    'aks',
    '{ AZURE_SUBSCRIPTION_ID: 00000000-0000-0000-0000-000000000000, AZURE_RESOURCE_GROUP: rg, AZURE_LOCATION: eastus2 }',
  ],
  ['gke', '{ GCP_PROJECT: kompox-demo, GCP_REGION: us-central1 }'],
  ['oke', '{ OCI_REGION: us-phoenix-1, OCI_COMPARTMENT_ID: ocid1.compartment.oc1..demo }'],
];

/**
 * The wiki example with its Provider on the `eks` driver and one Provider of each other cloud
 * in the project: validating it must load none of the four cloud SDKs.
 */
function cloudWiki(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kompox-bench-clouds-'));
  cpSync(WIKI, dir, { recursive: true });
  const infra = join(dir, '.kompox', 'kom', 'infra.yml');
  const text = readFileSync(infra, 'utf8');
  const eks = text.replace(/^ {2}driver: local$/m, '  driver: eks\n  settings: { AWS_REGION: us-east-1 }');
  if (eks === text) throw new Error(`${infra} has no "driver: local" line to replace`);
  const others = CLOUD_PROVIDERS.map(([driver, settings]) =>
    [
      '---',
      'apiVersion: ops.kompox.dev/v1alpha1',
      'kind: Provider',
      `metadata: { name: ${driver}, annotations: { ops.kompox.dev/id: /ws/demo/prv/${driver} } }`,
      `spec: { driver: ${driver}, settings: ${settings} }`,
    ].join('\n'),
  ).join('\n');
  writeFileSync(infra, `${eks.trimEnd()}\n${others}\n`);
  return dir;
}

const kompoxops = join(repoRoot(), 'bin', 'kompoxops');
const cloudDir = cloudWiki();
const floor = timeCommand(process.execPath, ['-e', '0']);
const help = timeCommand(kompoxops, ['--help']);
const validate = timeCommand(kompoxops, ['validate']);
const helpClouds = timeCommand(kompoxops, ['--help'], cloudDir);
const validateEks = timeCommand(kompoxops, ['validate'], cloudDir);
rmSync(cloudDir, { recursive: true, force: true });
const render = timeCommand(kompoxops, ['app', 'render']);
const work = timeInProcess();

const line = (name: string, seconds: number, note = '') =>
  console.log(
    `${name.padEnd(40)} ${seconds.toFixed(3)} s  ${(seconds / floor.seconds).toFixed(1)}× node -e 0${note}`,
  );
console.log(
  `median of ${RUNS} runs; target ≤ ${HELP_TARGET_SECONDS} s for --help, ≤ ${TARGET_SECONDS} s for validate and render`,
);
line('node -e 0', floor.seconds);
line('kompoxops --help', help.seconds, help.status === 0 ? '' : `  (exit ${help.status})`);
line('kompoxops validate', validate.seconds, validate.status === 0 ? '' : `  (exit ${validate.status})`);
line(
  'kompoxops --help (4 cloud providers)',
  helpClouds.seconds,
  helpClouds.status === 0 ? '' : `  (exit ${helpClouds.status})`,
);
line(
  'kompoxops validate (4 cloud providers)',
  validateEks.seconds,
  validateEks.status === 0 ? '' : `  (exit ${validateEks.status})`,
);
line('kompoxops app render', render.seconds, render.status === 0 ? '' : `  (exit ${render.status})`);
line('in process: load, resolve, convert', work);
