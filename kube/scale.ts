// Scales a Deployment through its scale subresource, which touches only spec.replicas and so
// never fights server-side apply over the rest of the spec.
import { AppsV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { withKubeError } from './errors';

export async function scaleDeployment(
  kc: KubeConfig,
  namespace: string,
  name: string,
  replicas: number,
): Promise<void> {
  if (!Number.isInteger(replicas) || replicas < 0)
    throw new Error(`replicas must be a whole number ≥ 0, got ${replicas}`);
  const apps = kc.makeApiClient(AppsV1Api);
  await withKubeError(`scale deployment ${namespace}/${name} to ${replicas}`, () =>
    apps.patchNamespacedDeploymentScale(
      { name, namespace, body: { spec: { replicas } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    ),
  );
}
