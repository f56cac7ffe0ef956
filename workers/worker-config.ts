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
//     "*/cls/east": { dev: east }         # every other Cluster named east: the extra dev cluster east
//     "*": { dev: true }                  # every other Cluster: the dev cluster (dev stack only)
//
// A Cluster is routed by its Resource ID, else by its name (`*/cls/NAME`), else by `*`; with
// none of them it is refused.
//   providers:
//     /ws/acme/prv/local: { localRoots: [/var/lib/kompox/disks] }
//     /ws/acme/prv/aws: { aws: { profile: prod } }   # a profile of the worker's ~/.aws
//     /ws/acme/prv/aws-irsa: { aws: {} }             # the default chain (env, IRSA, IMDS)
//   temporal:                          # optional; flags and TEMPORAL_* variables override it
//     address: temporal.example.com:7233
//     namespace: kompox
//     tls: { cert: /etc/kompox/tls/tls.crt, key: /etc/kompox/tls/tls.key, ca: /etc/kompox/tls/ca.crt, serverName: temporal.example.com }
//     apiKeyFile: /etc/kompox/temporal/api-key      # files only: never a secret in this file
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse, parseDocument, stringify } from 'yaml';
import {
  type AwsAccess,
  type ClusterRoute,
  type WorkerAccess,
  clusterNameKey,
  routeKubeConfig,
} from '../activities/worker-access';
import type { TemporalFileSecurity } from '../client/temporal-connection';
import { isDnsLabel, parseResourceId } from '../kom/resource-id';

/** The file's `temporal:` key: where the worker's Temporal is and how it connects (paths absolute). */
export interface WorkerTemporalConfig extends TemporalFileSecurity {
  address?: string;
  namespace?: string;
}

export interface WorkerConfig extends WorkerAccess {
  temporal?: WorkerTemporalConfig;
}

export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
}

export function loadWorkerConfig(file: string): WorkerConfig {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new WorkerConfigError(`worker config ${file}: ${(err as Error).message}`);
  }
  return parseWorkerConfig(doc, file);
}

export function parseWorkerConfig(doc: unknown, file: string): WorkerConfig {
  const fail = (where: string, what: string): never => {
    throw new WorkerConfigError(`worker config ${file}: ${where}: ${what}`);
  };
  if (!isObject(doc)) return fail('the document', 'expected a mapping with clusters and providers');
  for (const key of Object.keys(doc))
    if (!TOP_KEYS.includes(key)) fail(key, `unknown key (expected ${TOP_KEYS.join(', ')})`);
  const base = dirname(resolve(file));
  const temporal = doc.temporal === undefined ? undefined : parseTemporal(doc.temporal, file, base, fail);
  const clusters: Record<string, ClusterRoute> = {};
  const rawClusters = doc.clusters ?? {};
  if (!isObject(rawClusters)) fail('clusters', 'expected a mapping of Cluster Resource IDs');
  for (const [id, raw] of Object.entries(rawClusters as Record<string, unknown>)) {
    const where = `clusters["${id}"]`;
    const keyProblem = clusterKeyProblem(id);
    if (keyProblem) fail(where, keyProblem);
    if (!isObject(raw))
      fail(
        where,
        'expected { kubeconfig, context } or { inCluster: true } or { dev: true } or { dev: NAME }',
      );
    const r = raw as Record<string, unknown>;
    for (const key of Object.keys(r))
      if (!ROUTE_KEYS.includes(key))
        fail(`${where}.${key}`, `unknown key (expected ${ROUTE_KEYS.join(', ')})`);
    const kinds = ['kubeconfig', 'inCluster', 'dev'].filter((k) => r[k] !== undefined);
    if (kinds.length !== 1)
      fail(where, `give exactly one of kubeconfig, inCluster, dev (found ${kinds.join(', ') || 'none'})`);
    if (r.context !== undefined && r.kubeconfig === undefined)
      fail(`${where}.context`, 'only with kubeconfig');
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
    } else if (r.dev === true) {
      clusters[id] = { kind: 'dev' };
    } else {
      if (typeof r.dev !== 'string' || !isDnsLabel(r.dev))
        fail(
          `${where}.dev`,
          'expected true (the dev cluster) or the name of an extra dev cluster (kompoxops dev up --extra-cluster NAME)',
        );
      clusters[id] = { kind: 'dev', cluster: r.dev as string };
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
  return { source: file, clusters, localRoots, aws, ...(temporal ? { temporal } : {}) };
}

const TOP_KEYS = ['clusters', 'providers', 'temporal'];
const TEMPORAL_KEYS = ['address', 'namespace', 'tls', 'apiKeyFile'];
const TLS_KEYS = ['cert', 'key', 'ca', 'serverName'];

function parseTemporal(
  raw: unknown,
  file: string,
  base: string,
  fail: (where: string, what: string) => never,
): WorkerTemporalConfig {
  if (!isObject(raw)) return fail('temporal', `expected a mapping with ${TEMPORAL_KEYS.join(', ')}`);
  for (const key of Object.keys(raw))
    if (!TEMPORAL_KEYS.includes(key))
      fail(`temporal.${key}`, `unknown key (expected ${TEMPORAL_KEYS.join(', ')})`);
  const text = (value: unknown, where: string, what: string): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') fail(where, `expected ${what}`);
    return value as string;
  };
  const path = (value: unknown, where: string): string | undefined => {
    const p = text(value, where, 'a file path');
    return p === undefined ? undefined : isAbsolute(p) ? p : resolve(base, p);
  };
  const out: WorkerTemporalConfig = { source: `worker config ${file}` };
  const address = text(raw.address, 'temporal.address', 'host:port');
  if (address !== undefined) {
    if (!/^[^\s:]+:\d{1,5}$|^\[[^\]]+\]:\d{1,5}$/.test(address))
      fail('temporal.address', 'expected host:port, e.g. temporal.example.com:7233');
    out.address = address;
  }
  const namespace = text(raw.namespace, 'temporal.namespace', 'a namespace name');
  if (namespace !== undefined) out.namespace = namespace;
  const apiKeyFile = path(raw.apiKeyFile, 'temporal.apiKeyFile');
  if (apiKeyFile !== undefined) out.apiKeyFile = apiKeyFile;
  if (raw.tls !== undefined) {
    if (!isObject(raw.tls)) fail('temporal.tls', `expected a mapping with ${TLS_KEYS.join(', ')}`);
    const t = raw.tls as Record<string, unknown>;
    for (const key of Object.keys(t))
      if (!TLS_KEYS.includes(key))
        fail(
          `temporal.tls.${key}`,
          `unknown key (expected ${TLS_KEYS.join(', ')}: file paths, and the server name)`,
        );
    const cert = path(t.cert, 'temporal.tls.cert');
    const key = path(t.key, 'temporal.tls.key');
    const ca = path(t.ca, 'temporal.tls.ca');
    const serverName = text(t.serverName, 'temporal.tls.serverName', 'a host name');
    out.tls = {
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      ...(ca ? { ca } : {}),
      ...(serverName ? { serverName } : {}),
    };
  }
  return out;
}

/**
 * At worker start: every Cluster the configuration names can be reached as it says (the
 * kubeconfig exists and has the context; in-cluster runs in a pod), so a typo is said before the
 * worker polls, instead of failing each operation on that Cluster later.
 */
export function checkClusterRoutes(access: WorkerAccess, env: NodeJS.ProcessEnv = process.env): void {
  for (const [id, route] of Object.entries(access.clusters)) {
    const where = `worker config ${access.source}: clusters["${id}"]`;
    if (route.kind === 'inCluster') {
      if (!env.KUBERNETES_SERVICE_HOST || !existsSync(SERVICE_ACCOUNT_TOKEN))
        throw new WorkerConfigError(
          `${where}.inCluster: this worker does not run in a Kubernetes pod (no KUBERNETES_SERVICE_HOST or ${SERVICE_ACCOUNT_TOKEN}); route the Cluster with kubeconfig and context instead`,
        );
    } else if (route.kind === 'kubeconfig') {
      try {
        routeKubeConfig(route);
      } catch (err) {
        const key = route.context && existsSync(route.path) ? 'context' : 'kubeconfig';
        throw new WorkerConfigError(`${where}.${key}: ${(err as Error).message}`);
      }
    }
  }
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

const PROFILE = /^[A-Za-z0-9_.+@-]{1,128}$/;
const ROUTE_KEYS = ['kubeconfig', 'context', 'inCluster', 'dev'];

/** What is wrong with a key under `clusters`: a Cluster Resource ID, `*` + `/cls/NAME`, or `*`. */
function clusterKeyProblem(key: string): string | undefined {
  if (key === '*') return undefined;
  const expected = 'expected a Cluster Resource ID (/ws/W/prv/P/cls/NAME), */cls/NAME or *';
  if (key.startsWith('*/cls/')) {
    const name = key.slice('*/cls/'.length);
    return isDnsLabel(name) ? undefined : `${JSON.stringify(name)} is not a Cluster name; ${expected}`;
  }
  try {
    if (parseResourceId(key).kind === 'Cluster') return undefined;
  } catch {
    // Said below.
  }
  return expected;
}

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

/** `extraClusters`: the dev stack's extra clusters, each the route of the Clusters of its name. */
export function writeDevWorkerConfig(file: string, extraClusters: string[] = []): void {
  writeFileSync(
    file,
    '# Written by kompoxops dev up: this worker routes every Cluster to the dev cluster (a Cluster\n' +
      '# named like an extra dev cluster to that one), accepts any local provider root, and gives\n' +
      '# eks Providers the default AWS chain of its environment. A production worker lists its\n' +
      '# Clusters, roots and credentials.\n' +
      stringify({
        clusters: {
          ...Object.fromEntries(extraClusters.map((name) => [clusterNameKey(name), { dev: name }])),
          '*': { dev: true },
        },
        providers: { '*': { localRoots: ['*'], aws: {} } },
      }),
  );
}

// Adds `"*/cls/NAME": { dev: NAME }` for each extra dev cluster the file does not route by name
// yet, keeping everything else (comments included). True when the file changed.
export function addDevClusterRoutes(file: string, extraClusters: string[]): boolean {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (doc.errors.length > 0) throw new WorkerConfigError(`worker config ${file}: ${doc.errors[0]!.message}`);
  const missing = extraClusters.filter((name) => !doc.hasIn(['clusters', clusterNameKey(name)]));
  if (missing.length === 0) return false;
  for (const name of missing)
    doc.setIn(['clusters', clusterNameKey(name)], doc.createNode({ dev: name }, { flow: true }));
  const text = doc.toString();
  // Written only when the result is a valid configuration: a file the worker would refuse stays as it is.
  parseWorkerConfig(parse(text), file);
  writeFileSync(file, text);
  return true;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The configuration in words, for `dev status`: where each Cluster goes, which roots are allowed. */
export function describeAccess(access: WorkerAccess): string[] {
  const cluster = (id: string) =>
    id === '*'
      ? 'every other Cluster'
      : id.startsWith('*/cls/')
        ? `every other Cluster named ${id.slice('*/cls/'.length)}`
        : `Cluster ${id}`;
  const provider = (id: string) => (id === '*' ? 'every other Provider' : `Provider ${id}`);
  return [
    ...Object.entries(access.clusters).map(([id, r]) =>
      r.kind === 'dev'
        ? `${cluster(id)} → ${r.cluster === undefined ? 'the dev cluster' : `the extra dev cluster ${r.cluster}`}`
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
