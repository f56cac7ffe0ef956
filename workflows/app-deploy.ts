// Deploy: make the cluster run the app on its assigned disks. Validate and render happen in
// an activity (secret values are read there and never enter history); the workflow sees only
// names, hashes and figures. Re-running with no change applies the same objects and changes
// nothing; objects of the previous render are pruned only after the new one is verified.
import { ApplicationFailure } from '@temporalio/workflow';
import { kubeActivities, kubeChecks, readActivities, rolloutActivities } from './activity-proxies';
import type { AppRevision } from '../api/app-revision';
import type { OperationOutcome } from '../api/messages';
import type { AppDeployRequest, AppDestroyRequest, OperationInput } from '../api/operation';
import { byVolume, createAssignedDisks, volumesWithoutAssignedDisk } from './assigned-disks';
import { type StepRunner, stepRunner } from './steps';
import type { AppTarget } from '../api/app-target';

export interface DeployOptions {
  bootstrapDisks?: boolean;
  rolloutTimeoutSeconds?: number;
}

/** What a deploy leaves for its last step: the render to keep when pruning older ones. */
export interface VerifiedDeploy {
  outcome: OperationOutcome;
  namespace: string;
  renderHash: string;
}

/** The whole deploy: render, apply and verify, then prune what older renders left. */
export async function deploySteps(
  step: StepRunner,
  operationId: string,
  target: AppTarget,
  revision: AppRevision | undefined,
  options: DeployOptions = {},
): Promise<OperationOutcome> {
  const verified = await deployAndVerify(step, operationId, target, revision, options);
  return withPrune(verified, await pruneStep(step, target, verified));
}

export function withPrune(verified: VerifiedDeploy, pruned: number): OperationOutcome {
  return { ...verified.outcome, figures: { ...verified.outcome.figures, objectsPruned: pruned } };
}

/** Deletes the objects of older renders (old PV/PVC pairs included): only after a verified deploy. */
export async function pruneStep(
  step: StepRunner,
  target: AppTarget,
  verified: VerifiedDeploy,
): Promise<number> {
  const pruned = await step(
    'prune previous render',
    () =>
      kubeActivities.pruneApp({ target, namespace: verified.namespace, keepRenderHash: verified.renderHash }),
    (p) => (p.deleted.length ? `deleted ${p.deleted.join(', ')}` : 'nothing to prune'),
  );
  return pruned.deleted.length;
}

/** The deploy steps up to a verified pod, shared by `app deploy` and by restore. */
export async function deployAndVerify(
  step: StepRunner,
  operationId: string,
  target: AppTarget,
  revision: AppRevision | undefined,
  options: DeployOptions = {},
): Promise<VerifiedDeploy> {
  if (!revision) {
    throw ApplicationFailure.nonRetryable(
      `app ${target.appKey} has no revision to deploy; run kompoxops app deploy from the project`,
      'NotDeployed',
    );
  }
  const validated = await step(
    'validate',
    () => kubeChecks().validateApp({ target, revision }),
    (v) => `${v.services} services, ${v.volumes} volumes`,
  );

  let disks = byVolume(await step('list disks', () => readActivities().listDisks({ target })));
  const missing = volumesWithoutAssignedDisk(target, disks);
  const doubled = target.volumes.filter((v) => (disks[v.name] ?? []).filter((d) => d.assigned).length > 1);
  if (doubled.length) {
    throw ApplicationFailure.nonRetryable(
      `volumes with more than one assigned disk: ${doubled.map((v) => v.name).join(', ')}; assign one with kompoxops disk assign`,
      'DisksConflict',
    );
  }
  let created = 0;
  if (missing.length) {
    if (!options.bootstrapDisks) {
      throw ApplicationFailure.nonRetryable(
        `no assigned disk for volume(s) ${missing.map((v) => v.name).join(', ')}: run kompoxops disk create --bootstrap or app deploy --bootstrap-disks`,
        'DisksNotAssigned',
      );
    }
    await createAssignedDisks(step, operationId, target, missing);
    created = missing.length;
    disks = byVolume(await step('refresh disks', () => readActivities().listDisks({ target })));
  }

  const applied = await step(
    'render and apply',
    () => kubeActivities.applyApp({ target, revision }),
    (a) => `${a.objects} objects, render ${a.renderHash}`,
  );
  const rolloutTimeoutSeconds = options.rolloutTimeoutSeconds ?? 600;
  const rollout = await step(
    'wait for rollout',
    () =>
      rolloutActivities(rolloutTimeoutSeconds).waitForAppRollout({
        target,
        namespace: applied.namespace,
        deployment: applied.deployment,
        timeoutSeconds: rolloutTimeoutSeconds,
      }),
    (r) => r.message,
  );
  const placement = await step(
    'verify zone',
    () =>
      kubeChecks().verifyPlacement({
        target,
        namespace: applied.namespace,
        selector: applied.podSelector,
        zone: applied.zone,
      }),
    (p) => `pod ${p.pod} on ${p.node} in ${p.zone}`,
  );
  return {
    namespace: applied.namespace,
    renderHash: applied.renderHash,
    outcome: {
      disks,
      placement: { zone: applied.zone, nodeZone: placement.zone, node: placement.node },
      figures: {
        services: validated.services,
        objectsApplied: applied.objects,
        disksCreated: created,
        rolloutSeconds: rollout.seconds,
        zone: placement.zone,
        node: placement.node,
        renderHash: applied.renderHash,
      },
    },
  };
}

export async function appDeployWorkflow({
  operationId,
  request,
  target,
  revision,
}: OperationInput<AppDeployRequest>): Promise<OperationOutcome> {
  return deploySteps(stepRunner(operationId), operationId, target, revision, {
    ...(request.bootstrapDisks ? { bootstrapDisks: true } : {}),
    ...(request.rolloutTimeoutSeconds ? { rolloutTimeoutSeconds: request.rolloutTimeoutSeconds } : {}),
  });
}

export async function appDestroyWorkflow({
  operationId,
  request,
  target,
}: OperationInput<AppDestroyRequest>): Promise<OperationOutcome> {
  const step = stepRunner(operationId);
  const result = await step(
    'delete cluster objects',
    () =>
      kubeActivities.destroyApp({
        target,
        deleteNamespace: request.deleteNamespace ?? false,
      }),
    (r) => `deleted ${r.deleted.length} objects; disks kept`,
  );
  return { figures: { objectsDeleted: result.deleted.length } };
}
