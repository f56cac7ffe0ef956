// Activities of a node incident: what the cluster says about the failed node and which Kompox
// apps run there, the VM's state and fencing through the provider driver, and the
// out-of-service taint that lets Kubernetes detach the node's volumes at once.
import { Context, heartbeat } from '@temporalio/activity';
import { CoordinationV1Api, CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { WorkflowNotFoundError } from '@temporalio/client';
import { waitForOperation } from '../drivers/long-operation';
import type { InstanceState } from '../drivers/driver';
import { ANNOTATION, LABEL, MANAGED_BY } from '../kube/convert/labels';
import { isNotFound, withKubeError } from '../kube/errors';
import { nodeHealth, type ConditionStatus } from '../kube/node-conditions';
import { taintNode, untaintNode } from '../kube/taint';
import type { FailoverPolicy } from '../kom/model/failover-policy';
import type { AppTarget } from '../api/app-target';
import { TASK_QUEUE, appControllerWorkflowId, appKeyOf } from '../api/ids';
import {
  FAILOVER_SLOTS_WORKFLOW,
  type SlotRequest,
  acquireSlotSignal,
  failoverSlotsWorkflowId,
} from '../api/incident';
import { deployedRevisionQuery } from '../api/messages';
import { kubeConfigForClusterRef } from './cluster-access';
import type { ActivityDeps } from './deps';
import { driverFor } from './driver-for-target';
import { asActivityFailure } from './failures';

export const OUT_OF_SERVICE_TAINT = {
  key: 'node.kubernetes.io/out-of-service',
  value: 'nodeshutdown',
  effect: 'NoExecute',
} as const;

const ZONE_LABEL = 'topology.kubernetes.io/zone';

export interface NodeFacts {
  /** The node's name (an instance id or providerID in the alert is resolved to it). */
  node: string;
  exists: boolean;
  providerId?: string;
  zone?: string;
  ready: ConditionStatus;
  /** Since when the node has been not Ready or silent (its lease expired), ISO; absent while healthy. */
  downSince?: string;
  /** Nodes of its zone, and how many of them are down: the storm guard's figures. */
  zoneNodes: number;
  zoneNodesDown: number;
}

export interface AppOnNode {
  appKey: string;
  /** Where its pods on the node are, `namespace/name`. */
  pods: string[];
  /** The target its controller deployed; absent when nothing is deployed (then nothing is done). */
  target?: AppTarget;
  failover?: FailoverPolicy;
}

function matches(node: V1Node, ref: string): boolean {
  const id = node.spec?.providerID ?? '';
  return node.metadata?.name === ref || (id !== '' && (id === ref || id.endsWith(`/${ref}`)));
}

/** Not Ready since the condition changed, or silent since its lease was last renewed. */
function downSince(
  node: V1Node,
  renewTime: Date | undefined,
  leaseSeconds: number,
  now: number,
): string | undefined {
  const health = nodeHealth(node);
  if (health.ready !== 'True') {
    const changed = health.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime;
    return new Date(changed ?? now).toISOString();
  }
  if (renewTime && now - renewTime.getTime() > leaseSeconds * 1000) return renewTime.toISOString();
  return undefined;
}

async function leases(kc: KubeConfig): Promise<Map<string, { renew?: Date; seconds: number }>> {
  const list = await withKubeError('list node leases', () =>
    kc.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace: 'kube-node-lease' }),
  );
  return new Map(
    list.items.map((l) => [
      l.metadata?.name ?? '',
      {
        renew: l.spec?.renewTime ? new Date(l.spec.renewTime) : undefined,
        seconds: l.spec?.leaseDurationSeconds ?? 40,
      },
    ]),
  );
}

export async function inspectNode(kc: KubeConfig, ref: string): Promise<NodeFacts> {
  const core = kc.makeApiClient(CoreV1Api);
  const nodes = (await withKubeError('list nodes', () => core.listNode())).items;
  const node = nodes.find((n) => matches(n, ref));
  if (!node) return { node: ref, exists: false, ready: 'Unknown', zoneNodes: 0, zoneNodesDown: 0 };
  const now = Date.now();
  const lease = await leases(kc);
  const down = (n: V1Node): string | undefined => {
    const l = lease.get(n.metadata?.name ?? '');
    return downSince(n, l?.renew, l?.seconds ?? 40, now);
  };
  const zone = node.metadata?.labels?.[ZONE_LABEL];
  const zoneNodes = zone ? nodes.filter((n) => n.metadata?.labels?.[ZONE_LABEL] === zone) : [node];
  const since = down(node);
  return {
    node: node.metadata?.name ?? ref,
    exists: true,
    ...(node.spec?.providerID ? { providerId: node.spec.providerID } : {}),
    ...(zone ? { zone } : {}),
    ready: nodeHealth(node).ready,
    ...(since ? { downSince: since } : {}),
    zoneNodes: zoneNodes.length,
    zoneNodesDown: zoneNodes.filter((n) => down(n) !== undefined).length,
  };
}

/** `ws/prv/cls/app` (the namespace annotation, as in the reference) to the app key and cluster name. */
function appOfAnnotation(value: string | undefined): { appKey: string; cluster: string } | undefined {
  const parts = value?.split('/');
  if (parts?.length !== 4 || parts.some((p) => !p)) return undefined;
  const [ws, prv, cls, app] = parts as [string, string, string, string];
  return { appKey: appKeyOf(ws, prv, app), cluster: cls };
}

export function nodeIncidentActivities(deps: ActivityDeps) {
  const kube = (cluster: string) => kubeConfigForClusterRef(deps, cluster);
  return {
    async inspectNode({ cluster, node }: { cluster: string; node: string }): Promise<NodeFacts> {
      return asActivityFailure(async () => inspectNode(await kube(cluster), node));
    },

    /**
     * The Kompox apps with a pod on the node, each with what its controller deployed. An app is
     * known by its namespace's `kompox.dev/app` annotation and must be deployed to this cluster.
     */
    async appsOnNode({ cluster, node }: { cluster: string; node: string }): Promise<AppOnNode[]> {
      return asActivityFailure(async () => {
        const core = (await kube(cluster)).makeApiClient(CoreV1Api);
        const pods = await withKubeError(`list pods on node ${node}`, () =>
          core.listPodForAllNamespaces({
            fieldSelector: `spec.nodeName=${node}`,
            labelSelector: `${LABEL.managedBy}=${MANAGED_BY}`,
          }),
        );
        const byApp = new Map<string, AppOnNode>();
        for (const pod of pods.items) {
          const namespace = pod.metadata?.namespace ?? '';
          const ns = await withKubeError(`read namespace ${namespace}`, () =>
            core.readNamespace({ name: namespace }),
          );
          const app = appOfAnnotation(ns.metadata?.annotations?.[ANNOTATION.app]);
          if (!app) continue;
          const entry = byApp.get(app.appKey) ?? { appKey: app.appKey, pods: [] };
          entry.pods.push(`${namespace}/${pod.metadata?.name}`);
          byApp.set(app.appKey, entry);
        }
        const client = Context.current().client;
        for (const entry of byApp.values()) {
          let deployed;
          try {
            deployed = await client.workflow
              .getHandle(appControllerWorkflowId(entry.appKey))
              .query(deployedRevisionQuery);
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          }
          // Only an app deployed to this very cluster: the same app name may run elsewhere too.
          if (!deployed || ![deployed.target.cluster.name, deployed.target.cluster.id].includes(cluster))
            continue;
          entry.target = deployed.target;
          entry.failover = deployed.revision.context.app.failover;
        }
        return [...byApp.values()];
      });
    },

    /** Asks the cluster's failover slots for one (starting that workflow if it is not running). */
    async acquireFailoverSlot(input: { cluster: string } & SlotRequest): Promise<void> {
      const { cluster, ...request } = input;
      await Context.current().client.workflow.signalWithStart(FAILOVER_SLOTS_WORKFLOW, {
        workflowId: failoverSlotsWorkflowId(cluster),
        taskQueue: TASK_QUEUE,
        args: [{ cluster }],
        signal: acquireSlotSignal,
        signalArgs: [request],
      });
    },

    /** The zones of the provider's home region, for a move out of a zone that is down. */
    async providerZones({ target }: { target: AppTarget }) {
      return asActivityFailure(async () => {
        const driver = await driverFor(deps, target);
        const home = (await driver.diskOffering({})).region;
        return (await driver.listRegions()).find((r) => r.name === home)?.zones ?? [];
      });
    },

    async instanceState(input: {
      target: AppTarget;
      node: string;
      providerId?: string;
    }): Promise<InstanceState> {
      return asActivityFailure(async () => {
        const driver = await driverFor(deps, input.target);
        if (!driver.capabilities.instanceState) return 'unknown';
        return driver.getInstanceState({
          nodeName: input.node,
          ...(input.providerId ? { providerId: input.providerId } : {}),
        });
      });
    },

    /** Stops the node's VM so it can never write to a disk again; says why not where it cannot. */
    async fenceNode(input: {
      target: AppTarget;
      node: string;
      providerId?: string;
    }): Promise<{ fenced: boolean; detail: string }> {
      return asActivityFailure(async () => {
        const driver = await driverFor(deps, input.target);
        if (!driver.capabilities.fence)
          return { fenced: false, detail: `the ${driver.driverName} driver cannot stop a node's VM` };
        const op = await driver.beginFenceNode({
          nodeName: input.node,
          ...(input.providerId ? { providerId: input.providerId } : {}),
        });
        await waitForOperation(driver, op, {
          signal: Context.current().cancellationSignal,
          onPoll: (o) => heartbeat(o),
        });
        return { fenced: true, detail: `the ${driver.driverName} driver stopped the VM of ${input.node}` };
      });
    },

    /** Sets or removes the out-of-service taint; a node that is gone needs neither. */
    async setOutOfService(input: {
      cluster: string;
      node: string;
      on: boolean;
    }): Promise<{ changed: boolean }> {
      return asActivityFailure(async () => {
        const kc = await kube(input.cluster);
        try {
          if (input.on) await taintNode(kc, input.node, OUT_OF_SERVICE_TAINT);
          else await untaintNode(kc, input.node, OUT_OF_SERVICE_TAINT.key, OUT_OF_SERVICE_TAINT.effect);
          return { changed: true };
        } catch (err) {
          if (isNotFound(err)) return { changed: false };
          throw err;
        }
      });
    },

    /** Waits, heartbeating, until the node is Ready again or has been deleted. */
    async waitForNodeBack({
      cluster,
      node,
    }: {
      cluster: string;
      node: string;
    }): Promise<'ready' | 'deleted'> {
      return asActivityFailure(async () => {
        const kc = await kube(cluster);
        const signal = Context.current().cancellationSignal;
        for (;;) {
          const facts = await inspectNode(kc, node);
          if (!facts.exists) return 'deleted';
          if (facts.ready === 'True' && !facts.downSince) return 'ready';
          heartbeat(facts.ready);
          await new Promise((r) => setTimeout(r, 5000));
          signal.throwIfAborted();
        }
      });
    },
  };
}
