// The Kubernetes cluster an app target runs on, reached the way the worker's configuration
// says (activities/worker-access.ts). Credentials stay on the worker.
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../kube/kubeconfig';
import type { AppTarget } from '../api/app-target';
import type { ActivityDeps } from './deps';
import { refuse } from './failures';
import { clusterRoute, routeKubeConfig } from './worker-access';

export async function kubeConfigFor(deps: ActivityDeps, target: AppTarget): Promise<KubeConfig> {
  const route = clusterRoute(deps.access, target);
  if (route.kind === 'dev') {
    const dev = await deps.devCluster?.kubeconfig();
    if (dev) return loadKubeConfig({ path: dev });
    return refuse(
      `cluster ${target.cluster.id} is routed to the dev cluster, which is not running: start it with kompoxops dev up --cluster`,
      'NoCluster',
    );
  }
  try {
    return routeKubeConfig(route);
  } catch (err) {
    return refuse(`cluster ${target.cluster.id}: ${(err as Error).message}`, 'NoCluster');
  }
}
