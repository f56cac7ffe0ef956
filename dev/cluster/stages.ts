// kwok ships no stages in its binary: node and pod lifecycles are Stage documents passed with --config.
// We assemble them from kwok's own module source in the Go module cache (same version as the binary)
// instead of committing copies, and keep the result in the cluster dir so restarts need no Go.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KWOK_VERSION } from './binaries';

/** Paths under kustomize/stage/ of the kwok module. */
export const KWOK_STAGE_FILES = [
  'node/fast/node-initialize.yaml', // new node → Ready, addresses, capacity
  'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml', // liveness via Lease renewals
  'node/chaos/node-not-ready.yaml', // label node-not-ready.stage.kwok.x-k8s.io=true → Ready=False
  'pod/fast/pod-ready.yaml', // scheduled pod → Running/Ready
  'pod/fast/pod-complete.yaml', // Job pods → Succeeded
  'pod/fast/pod-delete.yaml', // terminating pod → gone (what a kubelet confirms)
];

function go(args: string[]): string {
  try {
    return execFileSync('go', args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' },
    }).trim();
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error("Go is not installed; it is needed once to fetch kwok's stage definitions");
    throw new Error(`go ${args.join(' ')} failed: ${e.stderr?.trim() ?? String(err)}`);
  }
}

function kwokModuleDir(): string {
  const modCache = go(['env', 'GOMODCACHE']);
  const dir = join(modCache, 'sigs.k8s.io', `kwok@${KWOK_VERSION}`);
  if (!existsSync(join(dir, 'kustomize', 'stage'))) {
    go(['mod', 'download', `sigs.k8s.io/kwok@${KWOK_VERSION}`]);
    if (!existsSync(join(dir, 'kustomize', 'stage')))
      throw new Error(`kwok stages not found in ${dir} after go mod download`);
  }
  return dir;
}

/** Writes the multi-document stage config to `path` unless it is already there. */
export function ensureKwokStages(path: string): void {
  if (existsSync(path)) return;
  const root = join(kwokModuleDir(), 'kustomize', 'stage');
  const docs = KWOK_STAGE_FILES.map(
    (f) =>
      `# from sigs.k8s.io/kwok@${KWOK_VERSION} kustomize/stage/${f}\n${readFileSync(join(root, f), 'utf8').trim()}\n`,
  );
  writeFileSync(path, docs.join('---\n'));
}
