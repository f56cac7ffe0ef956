// Failover: bring the app back on a healthy node after its node failed. The node incident has
// already verified the node down, fenced it and tainted it out-of-service (or a user asserts
// so with `app failover`). Force-delete the pod there, see the disks leave the node, wait for
// the replacement to be Ready in the disks' zone, and record the RTO split by mark.
import { kubeActivities, readActivities, rolloutActivities } from './activity-proxies';
import type { OperationOutcome } from '../api/messages';
import type { AppFailoverRequest, OperationInput } from '../api/operation';
import { byVolume } from './assigned-disks';
import { stepRunner } from './steps';

/** How long the replacement may take to be Ready once its disks are free. */
const READY_TIMEOUT_SECONDS = 10 * 60;
const DETACH_TIMEOUT_SECONDS = 5 * 60;

const seconds = (from: number, to: number): number => Math.round((to - from) / 100) / 10;

export async function appFailoverWorkflow({
  operationId,
  request,
  target,
}: OperationInput<AppFailoverRequest>): Promise<OperationOutcome> {
  const step = stepRunner(operationId);
  const started = Date.now();
  const { node } = request;

  const removed = await step(
    `force-delete the pod on ${node}`,
    () => kubeActivities.forceDeleteAppPods({ target, node }),
    (r) => (r.deleted.length ? `deleted ${r.deleted.join(', ')}` : `no pod of the app was on ${node}`),
  );
  const detached = await step(
    `detach the disks from ${node}`,
    () => kubeActivities.waitForVolumesDetached({ target, node, timeoutSeconds: DETACH_TIMEOUT_SECONDS }),
    (d) =>
      d.attachments === 0
        ? 'no volume was attached there'
        : `${d.attachments} detached in ${d.seconds}s${d.forced ? `, ${d.forced} force-detached in the cloud` : ''}`,
  );
  const detachedAt = Date.now();

  const disks = byVolume(await step('list disks', () => readActivities.listDisks({ target })));
  const zone =
    Object.values(disks)
      .flat()
      .find((d) => d.assigned && d.zone)?.zone ?? '';
  const rollout = await step(
    'wait for Ready',
    () =>
      rolloutActivities(READY_TIMEOUT_SECONDS).waitForAppRollout({
        target,
        namespace: removed.namespace,
        deployment: removed.deployment,
        timeoutSeconds: READY_TIMEOUT_SECONDS,
      }),
    (r) => `${r.message} in ${r.seconds}s`,
  );
  const placed = await step(
    'verify placement',
    () =>
      kubeActivities.verifyPlacement({
        target,
        namespace: removed.namespace,
        selector: removed.selector,
        zone,
      }),
    (p) => `pod ${p.pod} on ${p.node} (zone ${p.zone})`,
  );
  const readyAt = Date.now();

  // RTO marks from the alert on, where an incident supplied them; by hand it starts here.
  const alertAt = request.alertReceivedAt ? Date.parse(request.alertReceivedAt) : started;
  const verifiedAt = request.verifiedAt ? Date.parse(request.verifiedAt) : started;
  const fencedAt = request.fencedAt ? Date.parse(request.fencedAt) : verifiedAt;
  return {
    placement: { zone, nodeZone: placed.zone, node: placed.node },
    figures: {
      rtoSeconds: seconds(alertAt, readyAt),
      alertToVerifiedSeconds: seconds(alertAt, verifiedAt),
      verifiedToFencedSeconds: seconds(verifiedAt, fencedAt),
      fencedToDetachedSeconds: seconds(fencedAt, detachedAt),
      detachedToReadySeconds: seconds(detachedAt, readyAt),
      // The same disks, reattached: nothing written before the failure is lost.
      rpoSeconds: 0,
      podsDeleted: removed.deleted.length,
      attachmentsDetached: detached.attachments,
      forceDetached: detached.forced,
      rollout: rollout.message,
    },
  };
}
