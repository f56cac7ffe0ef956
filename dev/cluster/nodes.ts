// The simulated nodes: plain Node objects that kwok brings to Ready and keeps alive. Their labels are
// what real managed clusters put on nodes, plus Kompox's pool/zone labels, so scheduling by zone and
// pool works exactly as it would on AKS/EKS/GKE.
import { CoreV1Api, KubeConfig, V1Node } from '@kubernetes/client-node';
import { applyObject } from '../../kube/apply';
import { withKubeError } from '../../kube/errors';
import { nodeHealth } from '../../kube/node-conditions';
import { pollUntil } from '../../kube/poll';
import { KWOK_MANAGED_LABEL } from './components';

export interface NodeLayout {
  /** The region of zones whose name does not say it (see regionOfZone). */
  region: string;
  zones: string[];
  nodesPerZone: number;
  /**
   * The nodes' `spec.providerID`, `{node}` and `{zone}` filled in (say
   * `gce://my-project/{zone}/{node}`), so a cloud driver finds a VM behind each node as on a managed
   * cluster (a test seeds the matching VMs in its cloud fake); none by default.
   */
  providerId?: string;
  /**
   * More labels holding the node's zone, as a cloud's CSI node plugin adds them on registering
   * (topology.gke.io/zone), for PVs and pods pinned by that label; none by default.
   */
  zoneLabels?: string[];
}

export const DEFAULT_LAYOUT: NodeLayout = {
  region: 'local-1',
  zones: ['local-1a', 'local-1b', 'local-1c'],
  nodesPerZone: 2,
};

/** A local provider zone name, `local-<n><letter>`: its region is `local-<n>`. */
const LOCAL_ZONE = /^(local-[0-9]+)[a-z]$/;

/**
 * The region of a node in `zone`: a local zone's own (`local-2a` → `local-2`), so one cluster can
 * have nodes in several regions of the local provider; any other zone (a cloud's `us-east-1a`, an
 * Azure-style `1`) is in `region`.
 */
export function regionOfZone(zone: string, region: string): string {
  return LOCAL_ZONE.exec(zone)?.[1] ?? region;
}

export const nodeName = (zone: string, index: number): string => `kwok-${zone}-${index}`;

/** A node's providerID from the layout's template. */
export function nodeProviderId(template: string, node: string, zone: string): string {
  return template.replaceAll('{node}', node).replaceAll('{zone}', zone);
}

export function nodeManifests(layout: NodeLayout): V1Node[] {
  return layout.zones.flatMap((zone) =>
    Array.from({ length: layout.nodesPerZone }, (_, i): V1Node => {
      const name = nodeName(zone, i + 1);
      return {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          labels: {
            'kubernetes.io/hostname': name,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            'topology.kubernetes.io/region': regionOfZone(zone, layout.region),
            'topology.kubernetes.io/zone': zone,
            'kompox.dev/node-pool': 'user',
            'kompox.dev/node-zone': zone,
            ...Object.fromEntries((layout.zoneLabels ?? []).map((label) => [label, zone])),
            [KWOK_MANAGED_LABEL]: 'true',
          },
          annotations: {
            // Tells tools the node has no real kubelet.
            'kwok.x-k8s.io/node': 'fake',
            // What a kubelet sets when it registers: the attach/detach controller attaches
            // volumes only for nodes that carry it.
            'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
          },
        },
        ...(layout.providerId ? { spec: { providerID: nodeProviderId(layout.providerId, name, zone) } } : {}),
        // No status: kwok's node-initialize stage fills in Ready, addresses and (ample) capacity.
      };
    }),
  );
}

/** Creates (or re-applies) the nodes and waits until every one of them is Ready. */
export async function ensureNodes(kc: KubeConfig, layout: NodeLayout, timeoutMs: number): Promise<string[]> {
  const nodes = nodeManifests(layout);
  const core = kc.makeApiClient(CoreV1Api);
  for (const node of nodes) await applyObject(kc, node);
  const names = nodes.map((n) => n.metadata?.name ?? '');
  let notReady: string[] = names;
  await pollUntil(
    `${names.length} nodes to be Ready`,
    async () => {
      const list = await withKubeError('list nodes', () =>
        core.listNode({ labelSelector: `${KWOK_MANAGED_LABEL}=true` }),
      );
      const ready = new Set(
        list.items
          .map(nodeHealth)
          .filter((h) => h.ready === 'True')
          .map((h) => h.name),
      );
      notReady = names.filter((n) => !ready.has(n));
      return notReady.length === 0 ? true : undefined;
    },
    { timeoutMs, intervalMs: 300, lastState: () => `not Ready: ${notReady.join(', ')}` },
  );
  return names;
}
