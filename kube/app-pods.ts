// Lists the pods of one app by label selector, newest first, so callers see the replacement pod
// before the one it replaces.
import { CoreV1Api, KubeConfig, V1Pod } from '@kubernetes/client-node';
import { withKubeError } from './errors';

/** The reference implementation's base label naming the app on every object it renders. */
export const APP_NAME_LABEL = 'app.kubernetes.io/name';

export type LabelSelector = string | Readonly<Record<string, string>>;

export function formatSelector(selector: LabelSelector): string {
  if (typeof selector === 'string') return selector;
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export async function listAppPods(
  kc: KubeConfig,
  namespace: string,
  selector: LabelSelector,
): Promise<V1Pod[]> {
  const labelSelector = formatSelector(selector);
  const core = kc.makeApiClient(CoreV1Api);
  const list = await withKubeError(`list pods in ${namespace} matching ${labelSelector}`, () =>
    core.listNamespacedPod({ namespace, labelSelector }),
  );
  const created = (p: V1Pod): number => p.metadata?.creationTimestamp?.getTime() ?? 0;
  return [...list.items].sort((a, b) => created(b) - created(a));
}
