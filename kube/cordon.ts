// Cordon marks a node unschedulable so no new pod lands there; running pods stay.
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { withKubeError } from './errors';

async function setUnschedulable(kc: KubeConfig, name: string, unschedulable: boolean): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  // null removes the field, which is how kubectl uncordon leaves a node.
  const body = { spec: { unschedulable: unschedulable ? true : null } };
  await withKubeError(`${unschedulable ? 'cordon' : 'uncordon'} node ${name}`, () =>
    core.patchNode({ name, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
  );
}

export const cordonNode = (kc: KubeConfig, name: string): Promise<void> => setUnschedulable(kc, name, true);
export const uncordonNode = (kc: KubeConfig, name: string): Promise<void> =>
  setUnschedulable(kc, name, false);
