// Deploy: make the cluster run the app on its assigned disks. Validate and render happen in
// an activity (secret values are read there and never enter history); the workflow sees only
// names, hashes and figures. Re-running with no change applies the same objects and changes
// nothing; objects of the previous render are pruned only after the new one is verified.
import { ApplicationFailure } from '@temporalio/workflow';
import { kubeActivities, readActivities } from './activity-proxies';
import type { OperationInput } from './disk-operations';
import type { OperationOutcome } from './messages';
import type { AppDeployRequest, AppDestroyRequest } from './operation';
import { byVolume, createAssignedDisks, volumesWithoutAssignedDisk } from './assigned-disks';
import { type StepRunner, stepRunner } from './steps';
import type { AppTarget } from './app-target';

export interface DeployOptions {
  bootstrapDisks?: boolean;
  rolloutTimeoutSeconds?: number;
}

/** The deploy steps, shared by `app deploy` and by operations that redeploy (restore). */
export async function deploySteps(
  step: StepRunner,
  operationId: string,
  target: AppTarget,
  options: DeployOptions = {},
): Promise<OperationOutcome> {
  const validated = await step(
    'validate',
    () => kubeActivities.validateApp({ target }),
    (v) => `${v.services} services, ${v.volumes} volumes`,
  );

  let disks = byVolume(await step('list disks', () => readActivities.listDisks({ target })));
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
    disks = byVolume(await step('refresh disks', () => readActivities.listDisks({ target })));
  }

  const applied = await step(
    'render and apply',
    () => kubeActivities.applyApp({ target }),
    (a) => `${a.objects} objects, render ${a.renderHash}`,
  );
  const rollout = await step(
    'wait for rollout',
    () =>
      kubeActivities.waitForAppRollout({
        target,
        namespace: applied.namespace,
        deployment: applied.deployment,
        timeoutSeconds: options.rolloutTimeoutSeconds ?? 600,
      }),
    (r) => r.message,
  );
  const placement = await step(
    'verify zone',
    () =>
      kubeActivities.verifyPlacement({
        target,
        namespace: applied.namespace,
        selector: applied.podSelector,
        zone: applied.zone,
      }),
    (p) => `pod ${p.pod} on ${p.node} in ${p.zone}`,
  );
  const pruned = await step(
    'prune previous render',
    () =>
      kubeActivities.pruneApp({ target, namespace: applied.namespace, keepRenderHash: applied.renderHash }),
    (p) => (p.deleted.length ? `deleted ${p.deleted.join(', ')}` : 'nothing to prune'),
  );
  return {
    disks,
    figures: {
      services: validated.services,
      objectsApplied: applied.objects,
      objectsPruned: pruned.deleted.length,
      disksCreated: created,
      rolloutSeconds: rollout.seconds,
      zone: placement.zone,
      node: placement.node,
      renderHash: applied.renderHash,
    },
  };
}

export async function appDeployWorkflow({
  operationId,
  request,
}: OperationInput<AppDeployRequest>): Promise<OperationOutcome> {
  return deploySteps(stepRunner(operationId), operationId, request.target, {
    ...(request.bootstrapDisks ? { bootstrapDisks: true } : {}),
    ...(request.rolloutTimeoutSeconds ? { rolloutTimeoutSeconds: request.rolloutTimeoutSeconds } : {}),
  });
}

export async function appDestroyWorkflow({
  operationId,
  request,
}: OperationInput<AppDestroyRequest>): Promise<OperationOutcome> {
  const step = stepRunner(operationId);
  const result = await step(
    'delete cluster objects',
    () =>
      kubeActivities.destroyApp({
        target: request.target,
        deleteNamespace: request.deleteNamespace ?? false,
      }),
    (r) => `deleted ${r.deleted.length} objects; disks kept`,
  );
  return { figures: { objectsDeleted: result.deleted.length } };
}
