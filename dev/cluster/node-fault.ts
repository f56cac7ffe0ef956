// Makes a simulated node fail the way real ones do, and brings it back.
//
// notready:    the "kubelet" keeps heartbeating but reports Ready=False (kwok's node-not-ready chaos
//              stage). The node lifecycle controller adds the not-ready NoExecute taint.
// unreachable: the "kubelet" goes silent: kwok stops managing the node, so its Lease is no longer
//              renewed. After --node-monitor-grace-period the node lifecycle controller sets
//              Ready=Unknown and adds the unreachable NoExecute taint; pods on the node are evicted
//              but stay Terminating, because no kubelet confirms they stopped (as with a dead VM).
//
// Zone trap: with ≤50 nodes, a zone where more than 2 nodes and ≥55% of them are not Ready is in
// PartialDisruption and nothing in it is evicted. Fail at most half of a zone's nodes, or a whole zone
// while the other zones stay healthy. When every node fails, nothing is evicted anywhere. failNode
// returns a warning when a failure walks into one of these traps.
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { withKubeError } from '../../kube/errors';
import { loadKubeConfig } from '../../kube/kubeconfig';
import { ConditionStatus, NodeHealth, nodeHealth, waitForNodeReady } from '../../kube/node-conditions';
import { KWOK_MANAGED_LABEL } from './components';

const ZONE_LABEL = 'topology.kubernetes.io/zone';

export type NodeFailureMode = 'notready' | 'unreachable';

/** kwok's chaos stage label: while set, the node reports Ready=False. */
export const NOT_READY_LABEL = 'node-not-ready.stage.kwok.x-k8s.io';

export interface NodeFaultResult {
  /** The node after the change settled (only when waitMs was given). */
  health?: NodeHealth;
  /** Set when pods will not be evicted as expected (zone in PartialDisruption, or every node failing). */
  warning?: string;
}

export interface NodeFaultOptions {
  /** Wait until Ready has the expected status (False, Unknown or True); default: don't wait. */
  waitMs?: number;
}

const asKubeConfig = (kc: KubeConfig | string): KubeConfig =>
  typeof kc === 'string' ? loadKubeConfig({ path: kc }) : kc;

async function setLabels(
  kc: KubeConfig,
  node: string,
  labels: Record<string, string | null>,
  action: string,
): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await withKubeError(`${action} node ${node}`, () =>
    core.patchNode(
      { name: node, body: { metadata: { labels } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    ),
  );
}

async function settle(
  kc: KubeConfig,
  node: string,
  want: ConditionStatus,
  opts: NodeFaultOptions,
): Promise<NodeHealth | undefined> {
  if (!opts.waitMs) return undefined;
  return waitForNodeReady(kc, node, want, { timeoutMs: opts.waitMs });
}

const isFailing = (h: NodeHealth): boolean =>
  h.ready !== 'True' || h.labels[NOT_READY_LABEL] === 'true' || h.labels[KWOK_MANAGED_LABEL] !== 'true';

/** Mirrors the node lifecycle controller's zone states for small clusters (see the comment on top). */
async function disruptionWarning(kc: KubeConfig, node: string): Promise<string | undefined> {
  const core = kc.makeApiClient(CoreV1Api);
  const all = (await withKubeError('list nodes', () => core.listNode())).items.map(nodeHealth);
  if (all.every(isFailing)) {
    return 'every node is failing: the node lifecycle controller then suspects its own connectivity and evicts no pods';
  }
  const zone = all.find((h) => h.name === node)?.labels[ZONE_LABEL];
  const inZone = all.filter((h) => h.labels[ZONE_LABEL] === zone);
  const failing = inZone.filter(isFailing).length;
  if (zone && failing > 2 && failing < inZone.length && failing / inZone.length >= 0.55) {
    return `${failing} of ${inZone.length} nodes in zone ${zone} are failing: the zone is in PartialDisruption and the node lifecycle controller evicts no pods there`;
  }
  return undefined;
}

export async function failNode(
  kubeconfig: KubeConfig | string,
  node: string,
  mode: NodeFailureMode,
  opts: NodeFaultOptions = {},
): Promise<NodeFaultResult> {
  const kc = asKubeConfig(kubeconfig);
  if (mode === 'notready') await setLabels(kc, node, { [NOT_READY_LABEL]: 'true' }, 'fail (notready)');
  else await setLabels(kc, node, { [KWOK_MANAGED_LABEL]: null }, 'fail (unreachable)');
  const health = await settle(kc, node, mode === 'notready' ? 'False' : 'Unknown', opts);
  return { health, warning: await disruptionWarning(kc, node) };
}

/** Undoes either failure mode; kwok's node-initialize stage then reports Ready=True again. */
export async function recoverNode(
  kubeconfig: KubeConfig | string,
  node: string,
  opts: NodeFaultOptions = {},
): Promise<NodeFaultResult> {
  const kc = asKubeConfig(kubeconfig);
  await setLabels(kc, node, { [NOT_READY_LABEL]: null, [KWOK_MANAGED_LABEL]: 'true' }, 'recover');
  return { health: await settle(kc, node, 'True', opts) };
}
