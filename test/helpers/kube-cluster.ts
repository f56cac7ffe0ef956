// Hands integration tests a real Kubernetes control plane, started at most once per test run.
//
// Which cluster:
//   1. KOMPOX_TEST_KUBECONFIG set → that cluster, used as is (never stopped).
//   2. A running dev cluster (`kompoxops dev up --cluster`, in KOMPOX_DEV_CLUSTER_DIR or the dev
//      directory's k8s/) → reused (never stopped).
//   3. Otherwise a fresh cluster in a temp dir, built first if the binaries are missing.
//
// `node --test` runs every test file in its own process, so "once per run" cannot be an in-process
// singleton: the cluster dir is keyed by the test runner's pid, later files find it running and reuse
// it, and a small detached reaper (this same file, run with --reap) stops it and removes the dir as
// soon as the runner exits, whether the tests passed, failed or were interrupted.
// A cluster that cannot start fails the test with the reason; tests never skip.
import { KubeConfig } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterInfo, clusterStatus, startCluster, stopCluster } from '../../dev/cluster';
import { devDir } from '../../dev/dev-dir';
import { devClusterDir } from '../../dev/dev-stack';
import { loadKubeConfig } from '../../kube/kubeconfig';

export interface TestCluster {
  kc: KubeConfig;
  kubeconfigPath: string;
  /** Set when the cluster is one of ours (started here or the dev cluster), so node faults can be injected. */
  info?: ClusterInfo;
  /** True when this test run started the cluster (and its reaper will stop it). */
  owned: boolean;
}

/** The pid identifying this test run: the `node --test` runner when files run in subprocesses. */
function runnerPid(): number {
  return process.env.NODE_TEST_CONTEXT === 'child-v8' ? process.ppid : process.pid;
}

export function testClusterDir(): string {
  return join(tmpdir(), `kompox-test-k8s-${runnerPid()}`);
}

function ensureReaper(dir: string, watchPid: number): void {
  const pidFile = join(dir, 'reaper.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      process.kill(pid, 0);
      return;
    } catch {
      // Stale: start a new one.
    }
  }
  const child = spawn(process.execPath, [__filename, '--reap', dir, String(watchPid)], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  writeFileSync(pidFile, String(child.pid));
}

async function resolveCluster(): Promise<TestCluster> {
  const explicit = process.env.KOMPOX_TEST_KUBECONFIG;
  if (explicit) {
    const kc = loadKubeConfig({ path: explicit });
    return { kc, kubeconfigPath: explicit, owned: false };
  }
  const dev = await clusterStatus(process.env.KOMPOX_DEV_CLUSTER_DIR ?? devClusterDir(devDir()));
  if (dev.state === 'running' && dev.info) {
    return {
      kc: loadKubeConfig({ path: dev.info.kubeconfigPath }),
      kubeconfigPath: dev.info.kubeconfigPath,
      info: dev.info,
      owned: false,
    };
  }
  const dir = testClusterDir();
  // The reaper comes first, so even a start that fails half-way leaves nothing behind.
  mkdirSync(dir, { recursive: true });
  ensureReaper(dir, runnerPid());
  let info: ClusterInfo;
  try {
    info = await startCluster({
      dir,
      build: true,
      onProgress: (m) => {
        if (process.env.KOMPOX_TEST_VERBOSE) process.stderr.write(`[kube-cluster] ${m}\n`);
      },
    });
  } catch (err) {
    throw new Error(
      `integration tests need the local Kubernetes control plane, and it could not start: ${(err as Error).message}`,
      { cause: err },
    );
  }
  ensureReaper(dir, runnerPid());
  return {
    kc: loadKubeConfig({ path: info.kubeconfigPath }),
    kubeconfigPath: info.kubeconfigPath,
    info,
    owned: true,
  };
}

let shared: Promise<TestCluster> | undefined;

/** The cluster for this test run (started on first use). */
export function testCluster(): Promise<TestCluster> {
  shared ??= resolveCluster();
  return shared;
}

/** Stops the cluster now if this run owns it (the reaper would do it when the run ends anyway). */
export async function stopTestCluster(): Promise<void> {
  if (!shared) return;
  const c = await shared.catch(() => undefined);
  shared = undefined;
  if (c?.owned && c.info) {
    await stopCluster(c.info.dir);
    rmSync(c.info.dir, { recursive: true, force: true });
  }
}

async function reap(dir: string, watchPid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(watchPid, 0);
    } catch {
      break;
    }
    await sleep(500);
  }
  await stopCluster(dir).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}

if (require.main === module && process.argv[2] === '--reap') {
  const [dir, pid] = process.argv.slice(3);
  if (dir && pid) void reap(dir, Number(pid));
}
