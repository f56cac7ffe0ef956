// Which Kubernetes cluster an app target means: a Cluster with `existing: true` and
// settings.KUBECONFIG (and optional KUBE_CONTEXT), else the dev cluster when it runs, else
// $KUBECONFIG. Credentials stay on the worker; history holds only the path.
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../kube/kubeconfig';
import { devClusterKubeconfig } from '../workers/dev-stack';
import type { AppTarget } from '../api/app-target';
import type { ActivityDeps } from './deps';
import { refuse } from './failures';

export async function kubeConfigFor(deps: ActivityDeps, target: AppTarget): Promise<KubeConfig> {
  const { settings, existing } = target.cluster;
  if (existing && settings.KUBECONFIG) {
    return loadKubeConfig({
      path: settings.KUBECONFIG,
      ...(settings.KUBE_CONTEXT ? { context: settings.KUBE_CONTEXT } : {}),
    });
  }
  const dev = await devClusterKubeconfig(deps.stateDir);
  if (dev) return loadKubeConfig({ path: dev });
  if (process.env.KUBECONFIG) return loadKubeConfig({ path: process.env.KUBECONFIG.split(':')[0]! });
  return refuse(
    `no cluster for ${target.cluster.id}: set spec.settings.KUBECONFIG on the Cluster, start the dev cluster (kompoxops dev up --cluster) or set KUBECONFIG for the worker`,
    'NoCluster',
  );
}
