// Migration: move the app to another zone, region or cluster on new disks made from snapshots
// (or, within a region on zone-redundant disks, on the same disks: reattachMove).
// Live: stop, snapshot, (copy), create disks, assign, deploy there, verify (RPO 0). From the
// latest snapshot: the same from each volume's newest ready snapshot, for a zone that is down.
// Every step before the cut-over (the app Ready at the destination) registers its undo; a
// failure or cancel runs them backwards and the app runs again on its old disks where it was.
// After the cut-over the move only goes forward: cleanup that fails leaves PartiallyFailed,
// and a cancel or deadline that comes then lets it finish, so the controller records where
// the app runs and which disks the move keeps.
import { ApplicationFailure, CancellationScope, isCancellation, patched } from '@temporalio/workflow';
import { diskActivities, kubeActivities, readActivities, snapshotCreateActivities } from './activity-proxies';
import { deployAndVerify, pruneStep } from './app-deploy';
import { byVolume } from './assigned-disks';
import { onDemandSnapshotName, snapshotIdempotencyKey } from './snapshot-policy/snapshot-names';
import { type StepRunner, stepRunner } from './steps';
import type { OperationOutcome } from '../api/messages';
import { DEFAULT_KEEP_SOURCE_SECONDS, type KeptResource, type MigrationPlan } from '../api/migration';
import { destinationRevision, destinationTarget, zoneRevision } from '../api/migration-target';
import type { AppRevision } from '../api/app-revision';
import type { AppTarget } from '../api/app-target';
import type { AppMigrateRequest, OperationInput } from '../api/operation';

interface Undo {
  name: string;
  run: () => Promise<unknown>;
}

const seconds = (from: number, to: number): number => Math.round((to - from) / 100) / 10;

/** Histories from before created, assigned and tagged one volume after the other. */
export const PARALLEL_VOLUME_STEPS_PATCH = 'parallel-volume-steps';
/** Histories from before tagged what the move keeps only after the source's cleanup ended. */
export const CLEANUP_BESIDE_TAGS_PATCH = 'cleanup-beside-tags';
/** Histories from before ended Cancelled when a cancel came after the cut-over. */
export const FORWARD_ONLY_AFTER_CUT_OVER_PATCH = 'forward-only-after-cut-over';

/**
 * Runs what follows the cut-over out of reach of a cancel: the app already runs at the
 * destination, and ending now would leave the controller believing it runs where it was.
 */
function afterCutOver<T>(fn: () => Promise<T>): Promise<T> {
  return patched(FORWARD_ONLY_AFTER_CUT_OVER_PATCH) ? CancellationScope.nonCancellable(fn) : fn();
}

/**
 * Runs `fn` for every item side by side; when one fails, waits for the others before the failure
 * goes on, so the undo list holds every disk or copy that was made.
 */
async function eachSettled<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(items.map(fn));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** How histories from before copied snapshots: side by side, going on at the first failure. */
async function allAtOnce<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  await Promise.all(items.map(fn));
}

/** One step per volume: side by side, or one after the other as histories from before did. */
function volumeRunner(parallel: boolean) {
  return async <T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> => {
    if (parallel) return eachSettled(items, fn);
    for (const item of items) await fn(item);
  };
}

export async function appMigrateWorkflow({
  operationId,
  request,
  target: source,
  revision,
}: OperationInput<AppMigrateRequest>): Promise<OperationOutcome> {
  const step = stepRunner(operationId);
  const started = Date.now();
  const keepSourceSeconds = request.keepSourceSeconds ?? DEFAULT_KEEP_SOURCE_SECONDS;
  const live = request.from === 'live';
  const snapshotName = onDemandSnapshotName(operationId);
  const plan = await step(
    'plan',
    () =>
      readActivities().planMigration({
        source,
        to: request.to,
        from: request.from,
        keepSourceSeconds,
        ...(live ? { snapshotName } : {}),
      }),
    (p) => `${where(p.from)} → ${where(p.to)}, expected RPO ${p.expectedRpoSeconds}s`,
  );
  if (plan.reattach) return reattachMove(step, operationId, plan, source, revision, live, started);
  const dest = destinationTarget(source, request.to);
  const destRevision = revision && destinationRevision(revision, request.to);
  const clusterMove = dest.cluster.id !== source.cluster.id;
  const undo: Undo[] = [];
  const copies: KeptResource[] = [];
  let stoppedAt = started;
  let cutOver: { verified: Awaited<ReturnType<typeof deployAndVerify>>; readyAt: number };
  const parallel = patched(PARALLEL_VOLUME_STEPS_PATCH);
  const perVolume = volumeRunner(parallel);

  try {
    if (live) {
      await step('stop the app', () => kubeActivities.scaleApp({ target: source, replicas: 0 }));
      stoppedAt = Date.now();
      undo.push({
        name: 'start the app again',
        run: () => kubeActivities.scaleApp({ target: source, replicas: 1 }),
      });
      await Promise.all(
        plan.volumes.map((v) =>
          step(
            `snapshot ${v.volume}`,
            () =>
              snapshotCreateActivities.createSnapshot({
                target: source,
                volume: v.volume,
                name: snapshotName,
                // Keyed by the app key like every snapshot: it names the disks' scope, not a cluster.
                idempotencyKey: snapshotIdempotencyKey(
                  source.appKey,
                  { kind: 'onDemand', operationId },
                  v.volume,
                ),
              }),
            (s) => `${s.name}, ${s.size} bytes`,
          ),
        ),
      );
    }

    // Where each volume's disk comes from in the destination region.
    const from: Record<string, string> = {};
    await (parallel ? eachSettled : allAtOnce)(plan.volumes, async (v) => {
      from[v.volume] = v.snapshot.name;
      if (!v.copyTo) return;
      const copy = await step(
        `copy ${v.volume} snapshot ${v.snapshot.name} to ${v.copyTo}`,
        () =>
          diskActivities.copySnapshot({
            target: source,
            volume: v.volume,
            name: v.snapshot.name,
            region: v.copyTo!,
            idempotencyKey: `${operationId}/${v.volume}/copy`,
          }),
        (c) => `${c.name} in ${v.copyTo}`,
      );
      from[v.volume] = copy.name;
      copies.push(kept('snapshot', v.volume, copy.name, v.copyTo, operationId, plan.keepUntil));
      undo.push({
        name: `delete the copy ${copy.name}`,
        run: () => diskActivities.deleteSnapshot({ target: source, volume: v.volume, name: copy.name }),
      });
    });

    const created: Record<string, string> = {};
    await perVolume(plan.volumes, async (v) => {
      const disk = await step(
        `create a ${v.volume} disk in ${plan.to.zone} from ${from[v.volume]}`,
        () =>
          diskActivities.createDisk({
            target: dest,
            volume: v.volume,
            source: `snapshot:${from[v.volume]}`,
            zone: plan.to.zone,
            idempotencyKey: `${operationId}/${v.volume}/migrate`,
          }),
        (d) => `${d.name} in ${d.zone}`,
      );
      created[v.volume] = disk.name;
      undo.push({
        name: `delete the new disk ${disk.name}`,
        run: () => diskActivities.deleteDisk({ target: dest, volume: v.volume, name: disk.name }),
      });
    });
    const reassignOld = (): Promise<void> =>
      perVolume(plan.volumes, async (v) => {
        await step(`reassign ${v.disk}`, () =>
          diskActivities.assignDisk({ target: source, volume: v.volume, name: v.disk }),
        );
      });
    undo.push({ name: 'reassign the old disks', run: reassignOld });
    await perVolume(plan.volumes, async (v) => {
      await step(`assign ${created[v.volume]}`, () =>
        diskActivities.assignDisk({ target: dest, volume: v.volume, name: created[v.volume]! }),
      );
    });

    undo.push(
      clusterMove
        ? {
            name: `remove the app from cluster ${dest.cluster.name}`,
            run: () => kubeActivities.destroyApp({ target: dest, deleteNamespace: false }),
          }
        : {
            // One Deployment in one cluster: put back what ran before, on the old disks.
            name: 'deploy the app on its old disks',
            run: async () => {
              await reassignOld();
              await deployAndVerify(step, operationId, source, revision);
            },
          },
    );
    if (!live && !clusterMove)
      // The source zone may be down: a pod on a silent node must not hold up the rollout.
      await step(
        'remove pods left on nodes that are down',
        () => kubeActivities.removePodsOnDownNodes({ target: source }),
        (r) => (r.deleted.length ? `force-deleted ${r.deleted.join(', ')}` : 'none'),
      );
    const verified = await deployAndVerify(step, operationId, dest, destRevision);
    cutOver = { verified, readyAt: Date.now() };
  } catch (err) {
    await compensate(step, undo, err);
    throw err;
  }

  // Cut-over passed: the app runs at the destination. From here on, only forward.
  return afterCutOver(async () => {
    const leftovers: string[] = [];
    const forward = async (name: string, fn: () => Promise<unknown>): Promise<void> => {
      try {
        await step(name, fn);
      } catch (err) {
        if (isCancellation(err)) throw err;
        leftovers.push(`${name}: ${messageOf(err)}`);
      }
    };
    const cleanUp = (): Promise<void> =>
      clusterMove
        ? forward(`remove the app from cluster ${source.cluster.name}`, () =>
            kubeActivities.destroyApp({ target: source, deleteNamespace: false }),
          )
        : forward('prune the previous render', () => pruneStep(step, dest, cutOver.verified));
    const keptDisks = plan.volumes.map((v) =>
      kept('disk', v.volume, v.disk, plan.from.region, operationId, plan.keepUntil),
    );
    const tagKept = (): Promise<void> =>
      perVolume([...keptDisks, ...copies], (k) =>
        forward(`tag ${k.kind} ${k.name} to keep until ${k.keepUntil}`, () =>
          diskActivities.tagKept({
            target: source,
            kept: k,
            source: where(plan.from),
            destination: where(plan.to),
          }),
        ),
      );
    // The cleanup touches the cluster, the tags the provider's disks: neither waits for the other.
    if (patched(CLEANUP_BESIDE_TAGS_PATCH)) await Promise.all([cleanUp(), tagKept()]);
    else {
      await cleanUp();
      await tagKept();
    }
    const disks = byVolume(await step('list disks', () => readActivities().listDisks({ target: dest })));
    const placement = cutOver.verified.outcome.placement;
    return {
      ...(leftovers.length ? { phase: 'PartiallyFailed' as const } : {}),
      disks,
      ...(placement
        ? {
            placement: {
              ...placement,
              clusterId: dest.cluster.id,
              cluster: dest.cluster.name,
              region: plan.to.region,
            },
          }
        : {}),
      ...(clusterMove && destRevision ? { deployed: { revision: destRevision, target: dest } } : {}),
      kept: [...keptDisks, ...copies],
      figures: {
        from: where(plan.from),
        to: where(plan.to),
        source: request.from,
        // Live: taken after the app stopped, nothing is lost. Otherwise the chosen snapshots' age.
        rpoSeconds: live ? 0 : plan.expectedRpoSeconds,
        // Downtime: from the app stopping (live) or the move starting to the app Ready there.
        rtoSeconds: seconds(live ? stoppedAt : started, cutOver.readyAt),
        disksCreated: plan.volumes.length,
        snapshotsCopied: copies.length,
        keepUntil: plan.keepUntil,
        ...(leftovers.length ? { leftovers: leftovers.join('; ') } : {}),
      },
    };
  });
}

/**
 * A zone move on zone-redundant disks: stop the app (live) or clear its pods off nodes that are
 * down, deploy it preferring the destination zone on the same disks, and check it landed there.
 * Before that check passes, any failure or cancel deploys it back as it was.
 */
async function reattachMove(
  step: StepRunner,
  operationId: string,
  plan: MigrationPlan,
  target: AppTarget,
  revision: AppRevision | undefined,
  live: boolean,
  started: number,
): Promise<OperationOutcome> {
  const destRevision = revision && zoneRevision(revision, plan.to.zone);
  const undo: Undo[] = [];
  let stoppedAt = started;
  let verified: Awaited<ReturnType<typeof deployAndVerify>>;
  try {
    if (live) {
      await step('stop the app', () => kubeActivities.scaleApp({ target, replicas: 0 }));
      stoppedAt = Date.now();
      undo.push({ name: 'start the app again', run: () => kubeActivities.scaleApp({ target, replicas: 1 }) });
    } else {
      await step(
        'remove pods left on nodes that are down',
        () => kubeActivities.removePodsOnDownNodes({ target }),
        (r) => (r.deleted.length ? `force-deleted ${r.deleted.join(', ')}` : 'none'),
      );
    }
    undo.push({
      name: 'deploy the app as it was',
      run: () => deployAndVerify(step, operationId, target, revision),
    });
    verified = await deployAndVerify(step, operationId, target, destRevision);
    const landed = verified.outcome.placement?.nodeZone;
    if (landed !== plan.to.topologyZone)
      throw ApplicationFailure.nonRetryable(
        `the pod started in zone ${landed ?? '(none)'}, not ${plan.to.zone}: no Ready node there took it`,
        'WrongZone',
      );
  } catch (err) {
    await compensate(step, undo, err);
    throw err;
  }
  return afterCutOver(async () => {
    const readyAt = Date.now();
    let leftover: string | undefined;
    try {
      await step('prune the previous render', () => pruneStep(step, target, verified));
    } catch (err) {
      if (isCancellation(err)) throw err;
      leftover = `prune the previous render: ${messageOf(err)}`;
    }
    const disks = byVolume(await step('list disks', () => readActivities().listDisks({ target })));
    const placement = verified.outcome.placement;
    return {
      ...(leftover ? { phase: 'PartiallyFailed' as const } : {}),
      disks,
      ...(placement
        ? {
            placement: {
              ...placement,
              clusterId: target.cluster.id,
              cluster: target.cluster.name,
              region: plan.to.region,
            },
          }
        : {}),
      ...(destRevision ? { deployed: { revision: destRevision, target } } : {}),
      figures: {
        from: where(plan.from),
        to: where(plan.to),
        source: 'zoneRedundantDisks',
        rpoSeconds: 0,
        rtoSeconds: seconds(live ? stoppedAt : started, readyAt),
        disksCreated: 0,
        snapshotsCopied: 0,
        ...(leftover ? { leftovers: leftover } : {}),
      },
    };
  });
}

/** Runs the undos backwards, whatever cancelled the move; an undo that fails is reported, not fatal. */
async function compensate(step: StepRunner, undo: Undo[], cause: unknown): Promise<void> {
  const failed: string[] = [];
  await CancellationScope.nonCancellable(async () => {
    for (const u of [...undo].reverse()) {
      try {
        await step(`undo: ${u.name}`, u.run);
      } catch (err) {
        failed.push(`${u.name}: ${messageOf(err)}`);
      }
    }
  });
  if (failed.length && cause instanceof Error)
    cause.message = `${cause.message}; the rollback did not finish: ${failed.join('; ')}`;
}

function kept(
  kind: KeptResource['kind'],
  volume: string,
  name: string,
  region: string,
  migrationId: string,
  keepUntil: string,
): KeptResource {
  return { kind, volume, name, region, migrationId, keepUntil };
}

function where(p: MigrationPlan['from']): string {
  return `${p.cluster}/${p.region}/${p.zone}`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
}
