// What the cluster holds for one app namespace: read straight from the apiserver, so deploy
// tests check real objects rather than what Kompox says it did.
import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  NetworkingV1Api,
  type V1ConfigMap,
  type V1Deployment,
  type V1Ingress,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1ReplicaSet,
  type V1Secret,
  type V1Service,
} from '@kubernetes/client-node';
import { isNotFound } from '../../kube/errors';
import { loadKubeConfig } from '../../kube/kubeconfig';
import { startResumableWatch } from '../../kube/watch';

export function kubeConfigOf(path: string | undefined): KubeConfig {
  if (!path) throw new Error('the test stack has no kubeconfig; start it with { cluster: true }');
  return loadKubeConfig({ path });
}

export interface AppObjects {
  namespaceExists: boolean;
  deployments: V1Deployment[];
  replicaSets: V1ReplicaSet[];
  pods: V1Pod[];
  services: V1Service[];
  ingresses: V1Ingress[];
  configMaps: V1ConfigMap[];
  secrets: V1Secret[];
  pvcs: V1PersistentVolumeClaim[];
  /** PVs claimed from this namespace or labelled for this app. */
  pvs: V1PersistentVolume[];
}

/** Everything of the app's namespace (kube-root-ca.crt and service account tokens left out). */
export async function appObjects(kc: KubeConfig, namespace: string, appName: string): Promise<AppObjects> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const net = kc.makeApiClient(NetworkingV1Api);
  let namespaceExists = true;
  try {
    await core.readNamespace({ name: namespace });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    namespaceExists = false;
  }
  const [deployments, replicaSets, pods, services, ingresses, configMaps, secrets, pvcs, pvs] =
    await Promise.all([
      apps.listNamespacedDeployment({ namespace }),
      apps.listNamespacedReplicaSet({ namespace }),
      core.listNamespacedPod({ namespace }),
      core.listNamespacedService({ namespace }),
      net.listNamespacedIngress({ namespace }),
      core.listNamespacedConfigMap({ namespace }),
      core.listNamespacedSecret({ namespace }),
      core.listNamespacedPersistentVolumeClaim({ namespace }),
      core.listPersistentVolume(),
    ]);
  return {
    namespaceExists,
    deployments: deployments.items,
    replicaSets: replicaSets.items,
    pods: pods.items,
    services: services.items,
    ingresses: ingresses.items,
    configMaps: configMaps.items.filter((c) => c.metadata?.name !== 'kube-root-ca.crt'),
    secrets: secrets.items.filter((s) => s.type !== 'kubernetes.io/service-account-token'),
    pvcs: pvcs.items,
    pvs: pvs.items.filter(
      (pv) =>
        pv.spec?.claimRef?.namespace === namespace ||
        pv.metadata?.labels?.['app.kubernetes.io/name'] === appName,
    ),
  };
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface PodEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  name: string;
  at: number;
}

/** Records pod events of a namespace from now until stop(), to check the order of a rollout. */
export function recordPodEvents(kc: KubeConfig, namespace: string) {
  const core = kc.makeApiClient(CoreV1Api);
  const events: PodEvent[] = [];
  const watch = startResumableWatch<V1Pod>(kc, {
    path: `/api/v1/namespaces/${namespace}/pods`,
    list: () => core.listNamespacedPod({ namespace }),
    onEvent: (type, pod) => events.push({ type, name: pod.metadata?.name ?? '', at: Date.now() }),
  });
  return {
    events,
    async stop(): Promise<PodEvent[]> {
      watch.stop();
      await watch.done;
      return events;
    },
  };
}
