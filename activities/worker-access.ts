// What this worker may reach, decided by its own configuration and never by a request: which
// Clusters (and how: a kubeconfig and context, in-cluster, or the dev cluster) and which local
// provider roots. A request naming anything else is refused with the reason, so an edited KOM
// cannot point a shared worker at another cluster or at arbitrary directories.
import { resolve, sep } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../kube/kubeconfig';
import type { AppTarget } from '../api/app-target';
import { refuse } from './failures';

/** How the worker reaches one Cluster. */
export type ClusterRoute =
  | { kind: 'kubeconfig'; path: string; context?: string }
  | { kind: 'inCluster' }
  /** The dev stack's local control plane, or with `cluster` its extra cluster of that name. */
  | { kind: 'dev'; cluster?: string };

export interface WorkerAccess {
  /** Where the configuration came from, for messages. */
  source: string;
  // By Cluster Resource ID; `*/cls/NAME` matches every Cluster named NAME not listed by ID, and
  // `*` every Cluster matched by neither.
  clusters: Record<string, ClusterRoute>;
  /** By Provider Resource ID (`*` for the rest): directories LOCAL_ROOT may be in; `*` for any. */
  localRoots: Record<string, string[]>;
  /** By Provider Resource ID (`*` for the rest): the AWS credentials an eks Provider uses. */
  aws: Record<string, AwsAccess>;
}

/** Which of the AWS SDK's standard credentials the worker uses: a profile, or the default chain. */
export interface AwsAccess {
  profile?: string;
}

/** The AWS credentials this worker gives the target's Provider; refused when it has none for it. */
export function awsAccess(access: WorkerAccess, target: AppTarget): AwsAccess {
  const found = access.aws[target.provider.id] ?? access.aws['*'];
  if (found === undefined) {
    refuse(
      `this worker has no AWS credentials for provider ${target.provider.id}; add aws: {} (the default chain) or aws: { profile: NAME } under providers in ${access.source}`,
      'NotConfigured',
    );
  }
  return found;
}

/** The key that routes every Cluster named `name`, whatever its Workspace and Provider. */
export const clusterNameKey = (name: string): string => `*/cls/${name}`;

/** A Cluster's name: the last segment of its Resource ID, or `ref` itself when it is a bare name. */
function clusterNameOf(ref: string): string {
  return /\/cls\/([^/]+)$/.exec(ref)?.[1] ?? ref;
}

/** Only Resource IDs are looked up as such: a request cannot name a pattern key. */
const isId = (ref: string): boolean => ref.startsWith('/');

/** By Resource ID, else by the Cluster's name, else `*`. */
function routeOf(access: WorkerAccess, id: string): ClusterRoute | undefined {
  return (
    (isId(id) ? access.clusters[id] : undefined) ??
    access.clusters[clusterNameKey(clusterNameOf(id))] ??
    access.clusters['*']
  );
}

export function clusterRoute(access: WorkerAccess, target: AppTarget): ClusterRoute {
  const { id, settings } = target.cluster;
  const route = routeOf(access, id);
  if (!route) {
    refuse(
      `this worker is not configured for cluster ${id}; add it under clusters in ${access.source}`,
      'NotConfigured',
    );
  }
  // A kubeconfig named in the KOM is a claim to check, never a path to open.
  const named = settings.KUBECONFIG;
  if (named && (route.kind !== 'kubeconfig' || resolve(named) !== resolve(route.path))) {
    const how = route.kind === 'kubeconfig' ? `with kubeconfig ${route.path}` : `as ${route.kind}`;
    refuse(
      `cluster ${id} names kubeconfig ${named}, but this worker reaches it ${how} (${access.source}); remove KUBECONFIG from the Cluster or configure the worker with it`,
      'NotConfigured',
    );
  }
  return route;
}

// The route for a Cluster an alert names: by Resource ID, else by the one configured Cluster of
// that name (`…/cls/<name>`), else by its name (`*/cls/<name>`), else the `*` route. Two
// configured Clusters of one name are ambiguous: the alert must name the Resource ID.
export function clusterRouteByRef(access: WorkerAccess, ref: string): { id: string; route: ClusterRoute } {
  const exact = isId(ref) ? access.clusters[ref] : undefined;
  if (exact) return { id: ref, route: exact };
  const named = Object.keys(access.clusters).filter((id) => isId(id) && id.endsWith(`/cls/${ref}`));
  if (named.length > 1) {
    refuse(
      `cluster "${ref}" matches ${named.join(' and ')} in ${access.source}; name the Cluster Resource ID in the alert`,
      'NotConfigured',
    );
  }
  if (named.length === 1) return { id: named[0]!, route: access.clusters[named[0]!]! };
  const fallback = routeOf(access, ref);
  if (!fallback)
    refuse(
      `this worker is not configured for cluster ${ref}; add it under clusters in ${access.source}`,
      'NotConfigured',
    );
  return { id: ref, route: fallback };
}

export function routeKubeConfig(route: ClusterRoute & { kind: 'kubeconfig' | 'inCluster' }): KubeConfig {
  if (route.kind === 'kubeconfig')
    return loadKubeConfig({ path: route.path, ...(route.context ? { context: route.context } : {}) });
  const kc = loadKubeConfig({});
  kc.loadFromCluster();
  return kc;
}

/** The local provider's root must lie inside a directory the worker was configured with. */
export function checkLocalRoot(access: WorkerAccess, target: AppTarget, root: string): void {
  const roots = access.localRoots[target.provider.id] ?? access.localRoots['*'];
  if (roots?.includes('*')) return;
  const wanted = resolve(root);
  if (roots?.some((r) => wanted === resolve(r) || wanted.startsWith(resolve(r) + sep))) return;
  refuse(
    `this worker may not use local root ${wanted} for provider ${target.provider.id} (allowed: ${roots?.join(', ') || 'none'}); add it under providers in ${access.source}`,
    'NotConfigured',
  );
}
