// Adds or removes one node taint. spec.taints is a plain list (no merge key), so a patch must carry the
// whole list; the resourceVersion in the patch makes it conditional, and a conflict is retried on a
// fresh read, so a concurrent change by the node lifecycle controller is never overwritten.
import { CoreV1Api, KubeConfig, PatchStrategy, V1Taint, setHeaderOptions } from '@kubernetes/client-node';
import { isConflict, toKubeError, withKubeError } from './errors';

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

async function updateTaints(
  kc: KubeConfig,
  name: string,
  action: string,
  change: (taints: V1Taint[]) => V1Taint[],
): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  for (let attempt = 1; ; attempt++) {
    const node = await withKubeError(`read node ${name}`, () => core.readNode({ name }));
    const body = {
      metadata: { resourceVersion: node.metadata?.resourceVersion },
      spec: { taints: change(node.spec?.taints ?? []) },
    };
    try {
      await core.patchNode({ name, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      return;
    } catch (err) {
      if (!isConflict(err) || attempt >= 5) throw toKubeError(err, `${action} node ${name}`);
    }
  }
}

const sameTaint = (t: V1Taint, key: string, effect?: string): boolean =>
  t.key === key && (effect === undefined || t.effect === effect);

/** Sets the taint, replacing any taint with the same key and effect. */
export async function taintNode(
  kc: KubeConfig,
  name: string,
  taint: { key: string; value?: string; effect: TaintEffect },
): Promise<void> {
  await updateTaints(kc, name, `taint ${taint.key}:${taint.effect}`, (taints) => [
    ...taints.filter((t) => !sameTaint(t, taint.key, taint.effect)),
    {
      key: taint.key,
      value: taint.value,
      effect: taint.effect,
      // Like kubectl: NoExecute taints carry the time eviction countdowns start from.
      timeAdded: taint.effect === 'NoExecute' ? new Date() : undefined,
    },
  ]);
}

/** Removes the taint with this key (only the given effect, if one is passed). Absent taints are fine. */
export async function untaintNode(
  kc: KubeConfig,
  name: string,
  key: string,
  effect?: TaintEffect,
): Promise<void> {
  await updateTaints(kc, name, `untaint ${key}`, (taints) =>
    taints.filter((t) => !sameTaint(t, key, effect)),
  );
}
