// Failover: bring the app back on a healthy node after its node failed. The node incident has
// already verified the node down, fenced it and tainted it out-of-service (or a user asserts
// so with `app failover`). Force-delete the pod there, then either reattach: see the disks leave
// the node and the replacement Ready in the disks' zone; or, when the whole zone is down and the
// app's policy says so, restore: new disks in another zone from each volume's newest ready
// snapshot, assigned and deployed. The RTO is recorded split by mark, and the RPO.
import { ApplicationFailure, CancellationScope } from '@temporalio/workflow';
import {
  diskActivities,
  incidentActivities,
  kubeActivities,
  readActivities,
  rolloutActivities,
} from './activity-proxies';
import type { DiskView, OperationOutcome } from '../api/messages';
import type { AppFailoverRequest, OperationInput } from '../api/operation';
import type { AppRevision } from '../api/app-revision';
import type { AppTarget } from '../api/app-target';
import { deployAndVerify } from './app-deploy';
import { byVolume } from './assigned-disks';
import { type StepRunner, stepRunner } from './steps';

/** How long the replacement may take to be Ready once its disks are free. */
const READY_TIMEOUT_SECONDS = 10 * 60;
const DETACH_TIMEOUT_SECONDS = 5 * 60;

const seconds = (from: number, to: number): number => Math.round((to - from) / 100) / 10;

export async function appFailoverWorkflow({
  operationId,
  request,
  target,
  revision,
}: OperationInput<AppFailoverRequest>): Promise<OperationOutcome> {
  const step = stepRunner(operationId);
  const started = Date.now();
  const { node } = request;

  const removed = await step(
    `force-delete the pod on ${node}`,
    () => kubeActivities.forceDeleteAppPods({ target, node }),
    (r) => (r.deleted.length ? `deleted ${r.deleted.join(', ')}` : `no pod of the app was on ${node}`),
  );
  const disks = byVolume(await step('list disks', () => readActivities().listDisks({ target })));
  const assigned = Object.values(disks)
    .flat()
    .filter((d) => d.assigned);
  let restored: Restored | undefined;
  let detached = { attachments: 0, forced: 0 };
  // Restoring elsewhere, nothing waits for a detach: the new disks live in another zone.
  let detachedAt = Date.now();
  if (request.crossZone === 'latestSnapshot') {
    restored = await restoreElsewhere(step, operationId, target, revision, assigned, request.avoidZone);
  } else {
    const zonal = assigned.find((d) => d.zone);
    if (request.crossZone === 'zoneRedundant' && zonal) {
      throw ApplicationFailure.nonRetryable(
        `disk ${zonal.name} of volume ${zonal.volumeName} is in zone ${zonal.zone}, which is down; crossZone zoneRedundant needs zone-redundant disks`,
        'ZonalDisk',
      );
    }
    detached = await step(
      `detach the disks from ${node}`,
      () => kubeActivities.waitForVolumesDetached({ target, node, timeoutSeconds: DETACH_TIMEOUT_SECONDS }),
      (d) =>
        d.attachments === 0
          ? 'no volume was attached there'
          : `${d.attachments} detached in ${d.seconds}s${d.forced ? `, ${d.forced} force-detached in the cloud` : ''}`,
    );
    detachedAt = Date.now();
  }

  let placed: { node: string; zone: string };
  let zone: string;
  let rollout = '';
  if (restored) {
    placed = restored.placement;
    zone = restored.zone;
  } else {
    zone = assigned.find((d) => d.zone)?.zone ?? '';
    rollout = (
      await step(
        'wait for Ready',
        () =>
          rolloutActivities(READY_TIMEOUT_SECONDS).waitForAppRollout({
            target,
            namespace: removed.namespace,
            deployment: removed.deployment,
            timeoutSeconds: READY_TIMEOUT_SECONDS,
          }),
        (r) => `${r.message} in ${r.seconds}s`,
      )
    ).message;
    placed = await step(
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
  }
  const readyAt = Date.now();

  // RTO marks from the alert on, where an incident supplied them; by hand it starts here.
  const alertAt = request.alertReceivedAt ? Date.parse(request.alertReceivedAt) : started;
  const verifiedAt = request.verifiedAt ? Date.parse(request.verifiedAt) : started;
  const fencedAt = request.fencedAt ? Date.parse(request.fencedAt) : verifiedAt;
  return {
    placement: { zone, nodeZone: placed.zone, node: placed.node },
    ...(restored ? { disks: restored.disks } : {}),
    figures: {
      rtoSeconds: seconds(alertAt, readyAt),
      alertToVerifiedSeconds: seconds(alertAt, verifiedAt),
      verifiedToFencedSeconds: seconds(verifiedAt, fencedAt),
      fencedToDetachedSeconds: seconds(fencedAt, detachedAt),
      detachedToReadySeconds: seconds(detachedAt, readyAt),
      // Reattached, the same disks: nothing is lost. Restored, what the snapshots had not seen.
      rpoSeconds: restored?.rpoSeconds ?? 0,
      podsDeleted: removed.deleted.length,
      attachmentsDetached: detached.attachments,
      forceDetached: detached.forced,
      ...(restored ? { restoredTo: restored.zone, restoredFrom: restored.snapshots } : { rollout }),
    },
  };
}

interface Restored {
  zone: string;
  placement: { node: string; zone: string };
  disks: Record<string, DiskView[]>;
  rpoSeconds: number;
  snapshots: string;
}

/**
 * The zone is down: a disk per volume from its newest ready snapshot in another zone of the
 * region, assigned, and the deployed revision deployed onto them. A failure before the app
 * runs there gives each volume its old disk back (the zone may return), and fails.
 */
async function restoreElsewhere(
  step: StepRunner,
  operationId: string,
  target: AppTarget,
  revision: AppRevision | undefined,
  previous: DiskView[],
  avoidZone: string | undefined,
): Promise<Restored> {
  const zones = await step('choose a zone', () => incidentActivities.providerZones({ target }));
  const down = new Set([avoidZone, ...previous.map((d) => d.zone)].filter(Boolean));
  const zone = zones.find((z) => !down.has(z.kom) && !down.has(z.topology))?.kom;
  if (!zone)
    throw ApplicationFailure.nonRetryable(
      `no zone of the region is left to move to (down: ${[...down].join(', ')})`,
      'NoZone',
    );
  const region = zones[0]?.region;
  const snapshots = await step('find the newest snapshots', () => readActivities().listSnapshots({ target }));
  const chosen = target.volumes.map((v) => {
    const newest = snapshots
      // Only the region's own: an off-region copy (copyToRegion) cannot make a disk here.
      .filter((s) => s.volumeName === v.name && s.ready && (!s.region || s.region === region))
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
    if (!newest)
      throw ApplicationFailure.nonRetryable(
        `volume ${v.name} has no ready snapshot to restore in another zone`,
        'NoSnapshot',
      );
    return { volume: v.name, snapshot: newest };
  });
  try {
    for (const { volume, snapshot } of chosen) {
      const disk = await step(
        `create a ${volume} disk in ${zone} from ${snapshot.name}`,
        () =>
          diskActivities.createDisk({
            target,
            volume,
            source: `snapshot:${snapshot.name}`,
            zone,
            idempotencyKey: `${operationId}/${volume}/failover`,
          }),
        (d) => `${d.name} in ${d.zone}`,
      );
      await step(`assign ${disk.name}`, () => diskActivities.assignDisk({ target, volume, name: disk.name }));
    }
    const verified = await deployAndVerify(step, operationId, target, revision);
    const disks = byVolume(await readActivities().listDisks({ target }));
    const oldest = Math.min(...chosen.map((c) => Date.parse(c.snapshot.createdAt)));
    return {
      zone,
      placement: {
        node: verified.outcome.placement?.node ?? '',
        zone: verified.outcome.placement?.nodeZone ?? '',
      },
      disks,
      rpoSeconds: seconds(oldest, Date.now()),
      snapshots: chosen.map((c) => `${c.volume}=${c.snapshot.name}`).join(' '),
    };
  } catch (err) {
    await CancellationScope.nonCancellable(async () => {
      for (const d of previous)
        await step(`reassign ${d.name}`, () =>
          diskActivities.assignDisk({ target, volume: d.volumeName, name: d.name }),
        );
    });
    throw err;
  }
}
