// Reads a node's health as the node lifecycle controller sees it: the Ready condition
// (True, False = kubelet reports a problem, Unknown = kubelet silent), taints and cordon state.
import { CoreV1Api, KubeConfig, V1Node, V1NodeCondition, V1Taint } from '@kubernetes/client-node';
import { withKubeError } from './errors';
import { pollUntil } from './poll';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface NodeHealth {
  name: string;
  ready: ConditionStatus;
  readyReason?: string;
  conditions: V1NodeCondition[];
  taints: V1Taint[];
  unschedulable: boolean;
  labels: Record<string, string>;
}

export function nodeHealth(node: V1Node): NodeHealth {
  const conditions = node.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  const status = ready?.status;
  return {
    name: node.metadata?.name ?? '',
    // A node that never reported has no Ready condition: treat it as not heard from.
    ready: status === 'True' || status === 'False' ? status : 'Unknown',
    readyReason: ready?.reason,
    conditions,
    taints: node.spec?.taints ?? [],
    unschedulable: node.spec?.unschedulable === true,
    labels: node.metadata?.labels ?? {},
  };
}

export async function readNodeHealth(kc: KubeConfig, name: string): Promise<NodeHealth> {
  const core = kc.makeApiClient(CoreV1Api);
  return nodeHealth(await withKubeError(`read node ${name}`, () => core.readNode({ name })));
}

export async function waitForNodeReady(
  kc: KubeConfig,
  name: string,
  want: ConditionStatus,
  opts: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal },
): Promise<NodeHealth> {
  let last: NodeHealth | undefined;
  return pollUntil(
    `node ${name} to be Ready=${want}`,
    async () => {
      last = await readNodeHealth(kc, name);
      return last.ready === want ? last : undefined;
    },
    {
      ...opts,
      lastState: () => last && `Ready=${last.ready}${last.readyReason ? ` (${last.readyReason})` : ''}`,
    },
  );
}
