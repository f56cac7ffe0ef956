// The Kubernetes cluster an app target runs on, reached the way the worker's configuration
// says (activities/worker-access.ts). Credentials stay on the worker.
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../kube/kubeconfig';
import type { AppTarget } from '../api/app-target';
import type { ActivityDeps } from './deps';
import { refuse } from './failures';
import { type ClusterRoute, clusterRoute, clusterRouteByRef, routeKubeConfig } from './worker-access';

export function kubeConfigFor(deps: ActivityDeps, target: AppTarget): Promise<KubeConfig> {
  return kubeConfigForRoute(deps, target.cluster.id, clusterRoute(deps.access, target));
}

/** For a Cluster named by an alert rather than by an app target. */
export function kubeConfigForClusterRef(deps: ActivityDeps, ref: string): Promise<KubeConfig> {
  const { id, route } = clusterRouteByRef(deps.access, ref);
  return kubeConfigForRoute(deps, id, route);
}

async function kubeConfigForRoute(deps: ActivityDeps, id: string, route: ClusterRoute): Promise<KubeConfig> {
  if (route.kind === 'dev') {
    const dev = await deps.devCluster?.kubeconfig(route.cluster);
    if (dev) return loadKubeConfig({ path: dev });
    return refuse(
      route.cluster === undefined
        ? `cluster ${id} is routed to the dev cluster, which is not running: start it with kompoxops dev up --cluster`
        : `cluster ${id} is routed to the extra dev cluster ${route.cluster}, which is not running: start it with kompoxops dev up --extra-cluster ${route.cluster}`,
      'NoCluster',
    );
  }
  try {
    return routeKubeConfig(route);
  } catch (err) {
    return refuse(`cluster ${id}: ${(err as Error).message}`, 'NoCluster');
  }
}
