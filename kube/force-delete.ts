// Force-deletes a pod (grace period 0): the API object goes at once, without waiting for a kubelet
// to confirm the containers stopped. This is what unblocks a replacement when the pod's node is dead;
// it is only safe when that node can no longer write to the pod's disks.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { isNotFound, toKubeError } from './errors';

/** Returns false when the pod was already gone. */
export async function forceDeletePod(kc: KubeConfig, namespace: string, name: string): Promise<boolean> {
  const core = kc.makeApiClient(CoreV1Api);
  try {
    await core.deleteNamespacedPod({
      name,
      namespace,
      gracePeriodSeconds: 0,
      body: { gracePeriodSeconds: 0 },
    });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw toKubeError(err, `force-delete pod ${namespace}/${name}`);
  }
}
