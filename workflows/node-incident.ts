// A node incident: one workflow per cluster node and incident, started by the first alert and
// joined by every re-sent or further one (the alert's dedupe key is the update id). It
// verifies the node is down, fences its VM, taints it out-of-service, hands each affected
// app's controller a failover in the highest lane, and removes the taint once the node is back
// or deleted. A resolved alert or a node Ready again before verification ends it with nothing
// done. When too large a share of the zone's nodes is down, it is a zone outage, not a node
// failure: each app follows its `failover.crossZone` policy, and the node is fenced and tainted
// only when an app will reattach its zone-redundant disks elsewhere.
import {
  condition,
  getExternalWorkflowHandle,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { NormalizedAlert } from '../api/alert';
import { appControllerWorkflowId } from '../api/ids';
import {
  type IncidentView,
  type NodeIncidentInput,
  failoverSlotsWorkflowId,
  incidentViewQuery,
  nodeIncidentWorkflowId,
  releaseSlotSignal,
  reportAlertUpdate,
  slotGrantedSignal,
} from '../api/incident';
import { operationFinishedSignal, requestOperationSignal } from '../api/messages';
import { type AppFailoverRequest, type OperationRecord, isFinal } from '../api/operation';
import type { AppOnNode, NodeFacts } from '../activities/node-incident';
import { countAlert } from './failover-metrics';
import { diskActivities, incidentActivities, kubeActivities, nodeWaitActivities } from './activity-proxies';

const DEFAULTS = { maxConcurrentFailovers: 3, zoneOutagePercent: 50, pollSeconds: 2 };
/** Incidents from before a zone outage fenced the nodes of apps on zone-redundant disks. */
const ZONE_OUTAGE_FENCE_PATCH = 'zone-outage-fences-for-reattach';
/** A node that never shows as down this long after the alert (grace included) was a false alarm. */
const VERIFY_WINDOW_SECONDS = 180;

export async function nodeIncidentWorkflow(input: NodeIncidentInput): Promise<IncidentView> {
  const opts = { ...DEFAULTS, ...input };
  const view: IncidentView = {
    cluster: input.cluster,
    node: input.node,
    phase: 'Verifying',
    alerts: [],
    marks: { alertReceivedAt: '' },
    apps: [],
  };
  let resolved = false;
  const finished = new Map<string, OperationRecord>();

  setHandler(
    reportAlertUpdate,
    (alert: NormalizedAlert) => {
      view.alerts.push({
        dedupeKey: alert.dedupeKey,
        status: alert.status,
        source: alert.source,
        receivedAt: alert.receivedAt,
      });
      if (!view.marks.alertReceivedAt) view.marks.alertReceivedAt = alert.receivedAt;
      if (alert.status === 'resolved') resolved = true;
      countAlert(alert.source, alert.status === 'resolved' ? 'resolved' : 'incident');
      return view;
    },
    {
      validator: (alert) => {
        if (!alert?.dedupeKey || !alert.receivedAt)
          throw new Error('an alert needs a dedupe key and a receive time');
      },
    },
  );
  setHandler(incidentViewQuery, () => view);
  setHandler(operationFinishedSignal, (record) => void finished.set(record.requestId, record));
  const granted = new Set<string>();
  setHandler(slotGrantedSignal, ({ key }) => void granted.add(key));
  // From the input and the started event, never the live run id: a replay must rebuild the
  // same request ids to match the controllers' answers.
  const workflowId = nodeIncidentWorkflowId(input.cluster, input.node);
  const { firstExecutionRunId } = workflowInfo();

  const end = (phase: IncidentView['phase'], why?: string): IncidentView => {
    view.phase = phase;
    if (why) view.verification ??= why;
    view.marks.endedAt = new Date().toISOString();
    return view;
  };

  await condition(() => view.alerts.length > 0);
  let facts = await incidentActivities.inspectNode({ cluster: input.cluster, node: input.node });
  if (!facts.exists) return end('Dismissed', `no node ${input.node} in cluster ${input.cluster}`);
  view.node = facts.node;
  if (facts.zone) view.zone = facts.zone;
  const node = facts.node;

  const apps = await incidentActivities.appsOnNode({ cluster: input.cluster, node });
  const active = apps.filter((a): a is Required<AppOnNode> => !!a.target && !!a.failover?.enabled);
  view.apps = apps.map((a) => ({
    appKey: a.appKey,
    ...(!a.target
      ? { skipped: 'not deployed to this cluster by Kompox' }
      : !a.failover?.enabled
        ? { skipped: 'failover is not enabled (spec.failover.enabled)' }
        : {}),
  }));
  if (active.length === 0) return end('Dismissed', `no app on ${node} has failover enabled`);
  // Fencing stops every app on the node: wait the longest grace any of them asks for.
  const grace = Math.max(...active.map((a) => a.failover.verifyGraceSeconds));
  const cloud = active[0]!.target;

  // 1. Verify.
  const alertAt = Date.parse(view.marks.alertReceivedAt);
  for (;;) {
    if (resolved) return end('Dismissed', 'a resolved alert arrived before the node was verified down');
    facts = await incidentActivities.inspectNode({ cluster: input.cluster, node });
    if (!facts.exists) {
      view.verification = 'the node was deleted';
      break;
    }
    const state = await incidentActivities.instanceState({ target: cloud, node, ...providerId(facts) });
    if (state === 'stopped' || state === 'terminated') {
      view.verification = `the provider reports its VM ${state}`;
      break;
    }
    if (facts.downSince && Date.now() - Date.parse(facts.downSince) >= grace * 1000) {
      view.verification = `${facts.ready === 'True' ? 'silent (lease expired)' : `Ready=${facts.ready}`} since ${facts.downSince}, longer than the ${grace}s grace`;
      break;
    }
    if (!facts.downSince && Date.now() - alertAt > (grace + VERIFY_WINDOW_SECONDS) * 1000)
      return end('Dismissed', `the node stayed Ready for ${grace + VERIFY_WINDOW_SECONDS}s after the alert`);
    await condition(() => resolved, opts.pollSeconds * 1000);
  }
  view.marks.verifiedAt = new Date().toISOString();

  /**
   * Hands each app a failover (with `extra` for a zone outage), as the cluster's storm guard
   * grants slots, and waits until every one has ended.
   */
  async function failOver(
    apps: Required<AppOnNode>[],
    extra: (app: Required<AppOnNode>) => Partial<AppFailoverRequest>,
  ): Promise<void> {
    if (view.phase !== 'ZoneOutage') view.phase = 'FailingOver';
    // Slots from the cluster's storm guard, asked for all at once and granted in turn.
    const slotsOf = (app: Required<AppOnNode>) => failoverSlotsWorkflowId(app.target.cluster.name);
    const requestIdOf = (app: AppOnNode) => `${workflowId}/${firstExecutionRunId}/${app.appKey}`;
    for (const app of apps) {
      await incidentActivities.acquireFailoverSlot({
        cluster: app.target.cluster.name,
        holder: workflowId,
        key: requestIdOf(app),
        limit: opts.maxConcurrentFailovers,
      });
    }
    const handed = new Set<string>();
    const running = new Set<string>();
    while (handed.size < apps.length || running.size > 0) {
      await condition(
        () =>
          apps.some((a) => granted.has(requestIdOf(a)) && !handed.has(requestIdOf(a))) ||
          [...running].some((id) => finished.has(id)),
      );
      for (const app of apps.filter((a) => granted.has(requestIdOf(a)) && !handed.has(requestIdOf(a)))) {
        const request: AppFailoverRequest = {
          kind: 'app.failover',
          requestId: requestIdOf(app),
          requester: { via: 'webhook' },
          appKey: app.appKey,
          node,
          incidentId: workflowId,
          alertReceivedAt: view.marks.alertReceivedAt,
          verifiedAt: view.marks.verifiedAt,
          ...(view.marks.fencedAt ? { fencedAt: view.marks.fencedAt } : {}),
          notifyWorkflowId: workflowId,
          preempt: true,
          ...extra(app),
        };
        await getExternalWorkflowHandle(appControllerWorkflowId(app.appKey)).signal(
          requestOperationSignal,
          request,
        );
        handed.add(request.requestId);
        running.add(request.requestId);
      }
      for (const app of apps.filter((a) => running.has(requestIdOf(a)))) {
        const record = finished.get(requestIdOf(app));
        if (!record || !isFinal(record.phase)) continue;
        running.delete(requestIdOf(app));
        await getExternalWorkflowHandle(slotsOf(app)).signal(releaseSlotSignal, { key: requestIdOf(app) });
        const entry = view.apps.find((a) => a.appKey === app.appKey);
        if (entry) {
          entry.operationId = record.id;
          entry.phase = record.phase;
          const rto = record.figures?.rtoSeconds;
          if (typeof rto === 'number') entry.rtoSeconds = rto;
        }
      }
    }
  }

  // The storm guard: a zone outage is not a node failure.
  if (
    facts.exists &&
    facts.zoneNodes > 1 &&
    (facts.zoneNodesDown * 100) / facts.zoneNodes > opts.zoneOutagePercent
  ) {
    view.phase = 'ZoneOutage';
    view.verification += `; ${facts.zoneNodesDown} of ${facts.zoneNodes} nodes of zone ${facts.zone} are down`;
    const movers = active.filter((a) => a.failover.crossZone !== 'never');
    for (const app of view.apps) {
      if (active.some((a) => a.appKey === app.appKey && a.failover.crossZone === 'never'))
        app.skipped = 'zone outage: crossZone is never, so the app waits for its zone';
    }
    // An app that reattaches its zone-redundant disks in another zone needs them off this node
    // first: fence and taint it as for a node failure, or Kubernetes holds the volumes here for
    // minutes, and a regional disk force-attached elsewhere could still be written from here.
    if (movers.some((a) => a.failover.crossZone === 'zoneRedundant') && patched(ZONE_OUTAGE_FENCE_PATCH))
      await fenceAndTaint();
    await failOver(movers, (a) => ({
      crossZone: a.failover.crossZone as 'latestSnapshot' | 'zoneRedundant',
      ...(facts.zone ? { avoidZone: facts.zone } : {}),
    }));
    await awaitNode(input.cluster, node, view);
    await untaint();
    return end('Resolved');
  }

  /** 2. Fence, where the driver can stop the VM; 3. taint out-of-service (pods and volumes go at once). */
  async function fenceAndTaint(): Promise<void> {
    if (view.phase !== 'ZoneOutage') view.phase = 'Fencing';
    const fence = await diskActivities.fenceNode({ target: cloud, node, ...providerId(facts) });
    view.fence = fence.detail;
    view.marks.fencedAt = new Date().toISOString();
    await kubeActivities.setOutOfService({ cluster: input.cluster, node, on: true });
    view.marks.taintedAt = new Date().toISOString();
  }
  async function untaint(): Promise<void> {
    if (!view.marks.taintedAt) return;
    await kubeActivities.setOutOfService({ cluster: input.cluster, node, on: false });
    view.marks.untaintedAt = new Date().toISOString();
  }

  if (facts.exists) await fenceAndTaint();

  // 4. A failover per app, preempting whatever the app was doing; a few at a time.
  await failOver(active, () => ({}));

  // 5. The taint stays until the node is back (or gone): it must not run pods of its old life.
  await awaitNode(input.cluster, node, view);
  await untaint();
  return end('Resolved');
}

async function awaitNode(cluster: string, node: string, view: IncidentView): Promise<void> {
  const phase = view.phase;
  if (phase !== 'ZoneOutage') view.phase = 'AwaitingNode';
  const how = await nodeWaitActivities.waitForNodeBack({ cluster, node });
  view.verification += how === 'deleted' ? '; the node was deleted' : '; the node is Ready again';
}

function providerId(facts: NodeFacts): { providerId?: string } {
  return facts.providerId ? { providerId: facts.providerId } : {};
}
