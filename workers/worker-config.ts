// The worker configuration file (`kompoxops worker --config`): which Clusters this worker may
// reach and how, which local provider roots it may use, and which cloud credentials each Provider
// uses. Credentials always come from the cloud's standard chain in the worker's environment; the
// configuration only picks within it (an AWS profile) and allows the Provider at all. The dev
// stack writes one that routes every Cluster to the dev cluster, allows any local root and the
// default AWS chain, and says so.
//
//   clusters:
//     /ws/acme/prv/aks/cls/prod: { kubeconfig: /etc/kompox/prod.kubeconfig, context: prod }
//     /ws/acme/prv/aks/cls/edge: { inCluster: true }
//     "*": { dev: true }                  # every other Cluster: the dev cluster (dev stack only)
//   providers:
//     /ws/acme/prv/local: { localRoots: [/var/lib/kompox/disks] }
//     /ws/acme/prv/aws: { aws: { profile: prod } }   # a profile of the worker's ~/.aws
//     /ws/acme/prv/aws-irsa: { aws: {} }             # the default chain (env, IRSA, IMDS)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import type { AwsAccess, ClusterRoute, WorkerAccess } from '../activities/worker-access';

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
  const aws: Record<string, AwsAccess> = {};
  const rawProviders = doc.providers ?? {};
  if (!isObject(rawProviders)) fail('providers', 'expected a mapping of Provider Resource IDs');
  for (const [id, raw] of Object.entries(rawProviders as Record<string, unknown>)) {
    const where = `providers["${id}"]`;
    if (!isObject(raw) || Object.keys(raw).length === 0)
      fail(where, 'expected { localRoots: [...] } and/or { aws: { profile } }');
    const r = raw as Record<string, unknown>;
    for (const key of Object.keys(r))
      if (key !== 'localRoots' && key !== 'aws')
        fail(`${where}.${key}`, 'unknown key (expected localRoots, aws)');
    if (r.localRoots !== undefined) {
      const roots = r.localRoots;
      if (!Array.isArray(roots) || roots.some((x) => typeof x !== 'string' || x === ''))
        fail(`${where}.localRoots`, 'expected a list of directories (or "*" for any)');
      localRoots[id] = (roots as string[]).map((x) => (x === '*' || isAbsolute(x) ? x : resolve(base, x)));
    }
    if (r.aws !== undefined) aws[id] = parseAws(r.aws, `${where}.aws`, fail);
  }
  return { source: file, clusters, localRoots, aws };
}

const PROFILE = /^[A-Za-z0-9_.+@-]{1,128}$/;

function parseAws(raw: unknown, where: string, fail: (where: string, what: string) => never): AwsAccess {
  if (!isObject(raw)) return fail(where, 'expected {} (the default chain) or { profile: NAME }');
  for (const key of Object.keys(raw))
    if (key !== 'profile') fail(`${where}.${key}`, 'unknown key (expected profile)');
  if (raw.profile === undefined) return {};
  if (typeof raw.profile !== 'string' || !PROFILE.test(raw.profile))
    fail(`${where}.profile`, 'expected the name of a profile in the worker’s AWS config files');
  return { profile: raw.profile as string };
}

/** The dev stack's configuration: every Cluster to the dev cluster, any local root, the default AWS chain. */
export function devAccess(source: string): WorkerAccess {
  return { source, clusters: { '*': { kind: 'dev' } }, localRoots: { '*': ['*'] }, aws: { '*': {} } };
}

export function writeDevWorkerConfig(file: string): void {
  writeFileSync(
    file,
    '# Written by kompoxops dev up: this worker routes every Cluster to the dev cluster,\n' +
      '# accepts any local provider root, and gives eks Providers the default AWS chain of its\n' +
      '# environment. A production worker lists its Clusters, roots and credentials.\n' +
      stringify({ clusters: { '*': { dev: true } }, providers: { '*': { localRoots: ['*'], aws: {} } } }),
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
    ...Object.entries(access.aws).map(
      ([id, a]) =>
        `${provider(id)}: AWS credentials from ${a.profile ? `profile ${a.profile}` : 'the default chain'}`,
    ),
  ];
}
