// Finds the control-plane binaries built by scripts/k8s-binaries.sh, which caches them outside the
// repository keyed by version. The versions and the cache path mirror the script (and its env overrides).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Component, COMPONENTS } from './layout';

export const K8S_VERSION = process.env.KOMPOX_K8S_VERSION ?? 'v1.36.4';
export const ETCD_VERSION = process.env.KOMPOX_ETCD_VERSION ?? 'v3.6.14';
export const KWOK_VERSION = process.env.KOMPOX_KWOK_VERSION ?? 'v0.8.0';

const EXECUTABLE: Record<Component, string> = {
  etcd: 'etcd',
  'kube-apiserver': 'kube-apiserver',
  'kube-controller-manager': 'kube-controller-manager',
  'kube-scheduler': 'kube-scheduler',
  kwok: 'kwok',
};

/** The directory the build script fills: ~/.cache/kompox/k8s-<v>-etcd-<v>-kwok-<v>/bin. */
export function defaultBinDir(): string {
  const root =
    process.env.KOMPOX_TOOLS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kompox');
  return join(root, `k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}-kwok-${KWOK_VERSION}`, 'bin');
}

export function binaryPaths(binDir: string): Record<Component, string> {
  return Object.fromEntries(COMPONENTS.map((c) => [c, join(binDir, EXECUTABLE[c])])) as Record<
    Component,
    string
  >;
}

export function missingBinaries(binDir: string): string[] {
  return Object.values(binaryPaths(binDir)).filter((p) => !existsSync(p));
}

/** scripts/k8s-binaries.sh of this checkout. */
export const buildScriptPath = (): string | undefined => repoScript('k8s-binaries.sh');

/** A script of this checkout's scripts/, found by walking up from this file (works from src and dist). */
export function repoScript(name: string): string | undefined {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'scripts', name);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Returns the bin dir, running the build script when binaries are missing and `build` is set
 * (a cold build takes tens of minutes; its progress goes to `onOutput`).
 */
export async function ensureBinaries(
  opts: { binDir?: string; build?: boolean; onOutput?: (chunk: string) => void } = {},
): Promise<string> {
  // An explicitly chosen dir is used as is; only the build script's own cache dir is built into.
  const explicit = opts.binDir ?? process.env.KOMPOX_K8S_BIN_DIR;
  const binDir = explicit ?? defaultBinDir();
  const missing = missingBinaries(binDir);
  if (missing.length === 0) return binDir;
  const script = buildScriptPath();
  const how = script ? `run ${script}` : 'run scripts/k8s-binaries.sh from the Kompox repository';
  if (explicit) {
    throw new Error(
      `Kubernetes control-plane binaries missing in ${binDir} (${missing.join(', ')}), the dir chosen by binDir or KOMPOX_K8S_BIN_DIR; unset it to use the build script's cache`,
    );
  }
  if (!opts.build || !script) {
    throw new Error(
      `Kubernetes control-plane binaries missing in ${binDir} (${missing.join(', ')}); ${how} (a cold build takes about 20 min on 2 cores)`,
    );
  }
  const built = await runToolScript(script, opts.onOutput);
  const still = missingBinaries(built);
  if (still.length > 0) throw new Error(`${script} finished but ${built} still lacks ${still.join(', ')}`);
  return built;
}

/** Runs a tools script; its last stdout line is what it built (a dir). Progress goes to `onOutput`. */
export function runToolScript(script: string, onOutput?: (chunk: string) => void): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = execFile('bash', [script], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err)
        reject(
          new Error(
            `${script} failed (exit ${err.code ?? '?'}): ${stderr.trim().split('\n').slice(-10).join('\n')}`,
          ),
        );
      else resolve(stdout.trim().split('\n').pop() ?? '');
    });
    child.stderr?.on('data', (d: Buffer) => onOutput?.(d.toString()));
  });
}
