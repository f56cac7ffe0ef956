// Snapshot operations run by the app controller: create (every volume in parallel, made
// consistent by crash, stop or hook), the off-region copy, retention, delete, and restore.
// Names and idempotency keys derive from the schedule's nominal time or the operation id, so a
// retry never makes a second snapshot or copy.
import { ApplicationFailure, CancellationScope, isCancellation, patched } from '@temporalio/workflow';
import { diskActivities, kubeActivities, readActivities, snapshotCreateActivities } from './activity-proxies';
import { type VerifiedDeploy, deployAndVerify, pruneStep, withPrune } from './app-deploy';
import type { AppTarget } from '../api/app-target';
import type { OperationOutcome } from '../api/messages';
import type {
  OperationInput,
  SnapshotCreateRequest,
  SnapshotDeleteRequest,
  SnapshotPruneRequest,
  SnapshotRestoreRequest,
} from '../api/operation';
import {
  type SnapshotTrigger,
  planRetention,
  retentionCandidatesFrom,
  retentionRulesFrom,
  snapshotCopyIdempotencyKey,
  snapshotIdempotencyKey,
  snapshotNameFor,
} from './snapshot-policy';
import { type StepRunner, stepRunner } from './steps';

/**
 * spec.snapshots.copyToRegion became active: a run checks the region first and copies each new
 * snapshot after it. Histories recorded before run without either.
 */
const COPY_TO_REGION_PATCH = 'snapshot-copy-to-region';

interface VolumeResult {
  volume: string;
  phase: 'Completed' | 'Failed';
  snapshot?: string;
  reason?: string;
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.cause instanceof Error ? err.cause.message : err.message;
  return String(err);
}

async function snapshotVolumes(
  step: StepRunner,
  target: AppTarget,
  volumes: string[],
  trigger: SnapshotTrigger,
  explicitName: string | undefined,
): Promise<VolumeResult[]> {
  const name = explicitName ?? snapshotNameFor(trigger);
  return Promise.all(
    volumes.map(async (volume): Promise<VolumeResult> => {
      try {
        const snap = await step(
          `snapshot ${volume}`,
          () =>
            snapshotCreateActivities.createSnapshot({
              target,
              volume,
              name,
              idempotencyKey: snapshotIdempotencyKey(target.appKey, trigger, volume),
            }),
          (s) => `${s.name} (${s.size} bytes)`,
        );
        return { volume, phase: 'Completed', snapshot: snap.name };
      } catch (err) {
        // A cancellation stops the whole operation; only a failed volume is reported and passed over.
        if (isCancellation(err)) throw err;
        return { volume, phase: 'Failed', reason: errorMessage(err) };
      }
    }),
  );
}

interface CopyResult {
  volume: string;
  copy?: string;
  reason?: string;
}

/**
 * Copies each new snapshot to `region`, every volume in parallel. A failed copy is reported and
 * passed over: the snapshot itself is taken and stays.
 */
async function copyVolumes(
  step: StepRunner,
  target: AppTarget,
  results: VolumeResult[],
  trigger: SnapshotTrigger,
  region: string,
): Promise<CopyResult[]> {
  const taken = results.filter((r) => r.phase === 'Completed');
  return Promise.all(
    taken.map(async ({ volume, snapshot }): Promise<CopyResult> => {
      try {
        const copy = await step(
          `copy ${volume} ${snapshot} to ${region}`,
          () =>
            diskActivities.copySnapshot({
              target,
              volume,
              name: snapshot!,
              region,
              idempotencyKey: snapshotCopyIdempotencyKey(target.appKey, trigger, volume, region),
            }),
          (c) => `${c.name} in ${c.region ?? region} (${c.size} bytes)`,
        );
        return { volume, copy: copy.name };
      } catch (err) {
        if (isCancellation(err)) throw err;
        return { volume, reason: errorMessage(err) };
      }
    }),
  );
}

/** What the copies add to the operation's figures; `copySeconds` is the whole copy phase. */
function copyFigures(copies: CopyResult[], region: string, seconds: number): Record<string, string | number> {
  const failed = copies.filter((c) => c.reason !== undefined);
  return {
    copyRegion: region,
    copies: copies.length - failed.length,
    copySeconds: seconds,
    ...Object.fromEntries(copies.map((c) => [`copy.${c.volume}`, c.copy ?? `Failed: ${c.reason}`])),
    ...(failed.length ? { copyFailed: failed.map((c) => `${c.volume}: ${c.reason}`).join('; ') } : {}),
  };
}

/** Applies the retention rules to one volume; the plan is computed here, in the workflow, so history shows it. */
async function pruneVolume(step: StepRunner, target: AppTarget, volume: string): Promise<number> {
  const rules = retentionRulesFrom(target.snapshots?.retention);
  if (Object.keys(rules).length === 0) return 0;
  const snapshots = await readActivities().listSnapshots({ target, volume });
  const plan = planRetention({
    snapshots: retentionCandidatesFrom(
      snapshots.map((s) => ({ ...s, state: s.state as 'ready' | 'creating' | 'deleting' | 'failed' })),
    ),
    rules,
    now: new Date(),
    timeZone: target.snapshots?.timeZone ?? 'UTC',
  });
  if (plan.delete.length === 0) return 0;
  await step(
    `retention ${volume}`,
    async () => {
      for (const d of plan.delete) await diskActivities.deleteSnapshot({ target, volume, name: d.name });
      return plan.delete;
    },
    (deleted) =>
      `deleted ${deleted.map((d) => `${d.name} (${d.reason})`).join(', ')}; kept ${plan.keep.length}`,
  );
  return plan.delete.length;
}

export async function snapshotCreateWorkflow({
  operationId,
  request,
  target,
}: OperationInput<SnapshotCreateRequest>): Promise<OperationOutcome> {
  const step = stepRunner(operationId);
  const volumes = request.volume ? [request.volume] : target.volumes.map((v) => v.name);
  const trigger: SnapshotTrigger = request.scheduledTime
    ? { kind: 'scheduled', scheduledTime: new Date(request.scheduledTime) }
    : { kind: 'onDemand', operationId };
  const consistency = target.snapshots?.consistency ?? 'crash';
  const hook = target.snapshots?.hook;
  const copyRegion = target.snapshots?.copyToRegion;
  // Checked before anything is done: a region the provider does not know stops the run here.
  const copying = copyRegion !== undefined && patched(COPY_TO_REGION_PATCH);
  if (copying)
    await step(
      `check copy region ${copyRegion}`,
      () => readActivities().checkCopyRegion({ target }),
      (r) => `copies go from ${r?.home} to ${r?.region}`,
    );

  let results: VolumeResult[];
  if (consistency === 'stop') {
    await step('scale down', () => kubeActivities.scaleApp({ target, replicas: 0 }));
    try {
      results = await snapshotVolumes(step, target, volumes, trigger, request.name);
    } finally {
      // The app comes back even when the snapshot failed or the operation was cancelled.
      await CancellationScope.nonCancellable(() =>
        step('scale up', () => kubeActivities.scaleApp({ target, replicas: 1 })),
      );
    }
  } else if (consistency === 'hook' && hook) {
    try {
      await step(`pre-hook in ${hook.container}`, () =>
        kubeActivities.execHook({
          target,
          container: hook.container,
          command: hook.pre,
          timeoutSeconds: hook.timeoutSeconds,
        }),
      );
    } catch (err) {
      if (isCancellation(err) || hook.onError === 'fail') throw err;
    }
    try {
      results = await snapshotVolumes(step, target, volumes, trigger, request.name);
    } finally {
      await CancellationScope.nonCancellable(async () => {
        try {
          await step(`post-hook in ${hook.container}`, () =>
            kubeActivities.execHook({
              target,
              container: hook.container,
              command: hook.post,
              timeoutSeconds: hook.timeoutSeconds,
            }),
          );
        } catch (err) {
          if (hook.onError === 'fail') throw err;
        }
      });
    }
  } else {
    results = await snapshotVolumes(step, target, volumes, trigger, request.name);
  }

  // After the app is back (stop) or thawed (hook): a copy may take long and needs no consistency.
  let copied: Record<string, string | number> = {};
  let copyFailed = false;
  if (copying) {
    const started = Date.now();
    const copies = await copyVolumes(step, target, results, trigger, copyRegion);
    copied = copyFigures(copies, copyRegion, Math.round((Date.now() - started) / 100) / 10);
    copyFailed = copies.some((c) => c.reason !== undefined);
  }

  // Retention after the copies, so the copies just made count in their region's plan.
  let pruned = 0;
  for (const r of results) if (r.phase === 'Completed') pruned += await pruneVolume(step, target, r.volume);

  const failed = results.filter((r) => r.phase === 'Failed');
  const figures = {
    snapshots: results.length - failed.length,
    failed: failed.length,
    pruned,
    ...Object.fromEntries(
      results.map((r) => [
        `volume.${r.volume}`,
        r.phase === 'Completed' ? r.snapshot! : `Failed: ${r.reason}`,
      ]),
    ),
    ...copied,
  };
  if (failed.length === results.length) {
    throw ApplicationFailure.nonRetryable(
      `no snapshot was taken: ${failed.map((r) => `${r.volume}: ${r.reason}`).join('; ')}`,
      'SnapshotFailed',
      figures,
    );
  }
  return { figures, ...(failed.length || copyFailed ? { phase: 'PartiallyFailed' as const } : {}) };
}

export async function snapshotPruneWorkflow({
  operationId,
  request,
  target,
}: OperationInput<SnapshotPruneRequest>): Promise<OperationOutcome> {
  const step = stepRunner(operationId);
  const volumes = request.volume ? [request.volume] : target.volumes.map((v) => v.name);
  let pruned = 0;
  for (const volume of volumes) pruned += await pruneVolume(step, target, volume);
  return { figures: { pruned } };
}

export async function snapshotDeleteWorkflow({
  operationId,
  request,
  target,
}: OperationInput<SnapshotDeleteRequest>): Promise<OperationOutcome> {
  const step = stepRunner(operationId);
  const { volume, name } = request;
  const snapshots = await step('list snapshots', () => readActivities().listSnapshots({ target, volume }));
  const snap = snapshots.find((s) => s.name === name);
  if (!snap)
    throw ApplicationFailure.nonRetryable(`volume "${volume}" has no snapshot "${name}"`, 'NotFound');
  // Per region: an off-region copy never makes its original deletable, nor the other way round.
  const newestReady = snapshots
    .filter((s) => s.ready && s.region === snap.region)
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
  if (newestReady?.name === name) {
    throw ApplicationFailure.nonRetryable(
      `snapshot "${name}" is the newest ready snapshot of volume "${volume}"${snap.region ? ` in region ${snap.region}` : ''} and is never deleted; take a newer one first`,
      'NewestSnapshot',
    );
  }
  await step(`delete ${name}`, () => diskActivities.deleteSnapshot({ target, volume, name }));
  return { figures: { snapshotsDeleted: 1 } };
}

export async function snapshotRestoreWorkflow({
  operationId,
  request,
  target,
  revision,
}: OperationInput<SnapshotRestoreRequest>): Promise<OperationOutcome> {
  const step = stepRunner(operationId);
  const { volume, name } = request;
  const snapshots = await step('find snapshot', () => readActivities().listSnapshots({ target, volume }));
  const snap = snapshots.find((s) => s.name === name);
  if (!snap) {
    throw ApplicationFailure.nonRetryable(
      `"${name}" is not a snapshot of volume "${volume}" of app ${target.appId}; see kompoxops snapshot list -V ${volume}`,
      'NotFound',
    );
  }
  if (!snap.ready)
    throw ApplicationFailure.nonRetryable(`snapshot "${name}" is not ready (${snap.state})`, 'NotReady');
  const disks = await readActivities().listDisks({ target, volume });
  const previous = disks.find((d) => d.assigned);
  const zone = previous?.zone ?? target.deploymentZone;
  const disk = await step(
    'create disk from snapshot',
    () =>
      diskActivities.createDisk({
        target,
        volume,
        source: `snapshot:${name}`,
        idempotencyKey: `${operationId}/${volume}/restore`,
        ...(zone ? { zone } : {}),
      }),
    (d) => `${d.name} in ${d.zone}`,
  );
  await step(`assign ${disk.name}`, () => diskActivities.assignDisk({ target, volume, name: disk.name }));
  let verified: VerifiedDeploy;
  try {
    verified = await deployAndVerify(step, operationId, target, revision);
  } catch (err) {
    // Back to the disk the app had, running: reassign it and deploy it again. The restored disk
    // stays for inspection. This runs even when the restore was cancelled.
    if (previous) {
      await CancellationScope.nonCancellable(async () => {
        await step(`reassign ${previous.name}`, () =>
          diskActivities.assignDisk({ target, volume, name: previous.name }),
        );
        await deployAndVerify(step, `${operationId}-rollback`, target, revision);
      });
    }
    throw err;
  }
  const figures = { restoredDisk: disk.name, ...(previous ? { previousDisk: previous.name } : {}) };
  try {
    const pruned = await pruneStep(step, target, verified);
    const outcome = withPrune(verified, pruned);
    return { ...outcome, figures: { ...outcome.figures, ...figures } };
  } catch (err) {
    // The restored disk runs and is verified: a failed clean-up of old objects is no reason to go back.
    if (isCancellation(err)) throw err;
    return {
      ...verified.outcome,
      phase: 'PartiallyFailed',
      figures: { ...verified.outcome.figures, ...figures, pruneFailed: errorMessage(err) },
    };
  }
}
