// The worker configuration file (`kompoxops worker --config`): which Clusters this worker may
// reach and how, and which local provider roots it may use. The dev stack writes one that
// routes every Cluster to the dev cluster and allows any local root, and says so.
//
//   clusters:
//     /ws/acme/prv/aks/cls/prod: { kubeconfig: /etc/kompox/prod.kubeconfig, context: prod }
//     /ws/acme/prv/aks/cls/edge: { inCluster: true }
//     "*": { dev: true }                  # every other Cluster: the dev cluster (dev stack only)
//   providers:
//     /ws/acme/prv/local: { localRoots: [/var/lib/kompox/disks] }
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import type { ClusterRoute, WorkerAccess } from '../activities/worker-access';

export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
}

export function loadWorkerConfig(file: string): WorkerAccess {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new WorkerConfigError(`worker config ${file}: ${(err as Error).message}`);
  }
  return parseWorkerConfig(doc, file);
}

export function parseWorkerConfig(doc: unknown, file: string): WorkerAccess {
  const fail = (where: string, what: string): never => {
    throw new WorkerConfigError(`worker config ${file}: ${where}: ${what}`);
  };
  if (!isObject(doc)) return fail('the document', 'expected a mapping with clusters and providers');
  for (const key of Object.keys(doc))
    if (key !== 'clusters' && key !== 'providers') fail(key, 'unknown key (expected clusters, providers)');
  const base = dirname(resolve(file));
  const clusters: Record<string, ClusterRoute> = {};
  const rawClusters = doc.clusters ?? {};
  if (!isObject(rawClusters)) fail('clusters', 'expected a mapping of Cluster Resource IDs');
  for (const [id, raw] of Object.entries(rawClusters as Record<string, unknown>)) {
    const where = `clusters["${id}"]`;
    if (!isObject(raw))
      fail(where, 'expected { kubeconfig, context } or { inCluster: true } or { dev: true }');
    const r = raw as Record<string, unknown>;
    const kinds = ['kubeconfig', 'inCluster', 'dev'].filter((k) => r[k] !== undefined);
    if (kinds.length !== 1)
      fail(where, `give exactly one of kubeconfig, inCluster, dev (found ${kinds.join(', ') || 'none'})`);
    if (r.kubeconfig !== undefined) {
      if (typeof r.kubeconfig !== 'string' || r.kubeconfig === '')
        fail(`${where}.kubeconfig`, 'expected a path');
      if (r.context !== undefined && typeof r.context !== 'string')
        fail(`${where}.context`, 'expected a name');
      const path = r.kubeconfig as string;
      clusters[id] = {
        kind: 'kubeconfig',
        path: isAbsolute(path) ? path : resolve(base, path),
        ...(r.context ? { context: r.context as string } : {}),
      };
    } else if (r.inCluster !== undefined) {
      if (r.inCluster !== true) fail(`${where}.inCluster`, 'expected true');
      clusters[id] = { kind: 'inCluster' };
    } else {
      if (r.dev !== true) fail(`${where}.dev`, 'expected true');
      clusters[id] = { kind: 'dev' };
    }
  }
  const localRoots: Record<string, string[]> = {};
  const rawProviders = doc.providers ?? {};
  if (!isObject(rawProviders)) fail('providers', 'expected a mapping of Provider Resource IDs');
  for (const [id, raw] of Object.entries(rawProviders as Record<string, unknown>)) {
    const where = `providers["${id}"].localRoots`;
    const roots = isObject(raw) ? (raw as Record<string, unknown>).localRoots : undefined;
    if (!Array.isArray(roots) || roots.some((r) => typeof r !== 'string' || r === ''))
      fail(where, 'expected a list of directories (or "*" for any)');
    localRoots[id] = (roots as string[]).map((r) => (r === '*' || isAbsolute(r) ? r : resolve(base, r)));
  }
  return { source: file, clusters, localRoots };
}

/** The dev stack's configuration: every Cluster to the dev cluster, any local root. */
export function devAccess(source: string): WorkerAccess {
  return { source, clusters: { '*': { kind: 'dev' } }, localRoots: { '*': ['*'] } };
}

export function writeDevWorkerConfig(file: string): void {
  writeFileSync(
    file,
    '# Written by kompoxops dev up: this worker routes every Cluster to the dev cluster and\n' +
      '# accepts any local provider root. A production worker lists its Clusters and roots.\n' +
      stringify({ clusters: { '*': { dev: true } }, providers: { '*': { localRoots: ['*'] } } }),
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The configuration in words, for `dev status`: where each Cluster goes, which roots are allowed. */
export function describeAccess(access: WorkerAccess): string[] {
  const cluster = (id: string) => (id === '*' ? 'every other Cluster' : `Cluster ${id}`);
  const provider = (id: string) => (id === '*' ? 'every other Provider' : `Provider ${id}`);
  return [
    ...Object.entries(access.clusters).map(([id, r]) =>
      r.kind === 'dev'
        ? `${cluster(id)} → the dev cluster`
        : r.kind === 'inCluster'
          ? `${cluster(id)} → in-cluster service account`
          : `${cluster(id)} → kubeconfig ${r.path}${r.context ? ` (context ${r.context})` : ''}`,
    ),
    ...Object.entries(access.localRoots).map(
      ([id, roots]) => `${provider(id)}: local roots ${roots.includes('*') ? 'any' : roots.join(', ')}`,
    ),
  ];
}
