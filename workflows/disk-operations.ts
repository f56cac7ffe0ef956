// Disk operations the app controller runs as child workflows: create, bootstrap, assign and
// delete. Every create carries an idempotency key derived from the operation id, so a retried
// activity (after a worker crash, say) finds the disk it started instead of making another.
import { ApplicationFailure } from '@temporalio/workflow';
import { diskActivities, kubeActivities, readActivities } from './activity-proxies';
import type { OperationOutcome } from '../api/messages';
import type {
  OperationInput,
  DiskAssignRequest,
  DiskBootstrapRequest,
  DiskCreateRequest,
  DiskDeleteRequest,
} from '../api/operation';
import { byVolume, createAssignedDisks, volumesWithoutAssignedDisk } from './assigned-disks';
import { stepRunner } from './steps';

export async function diskCreateWorkflow({
  operationId,
  request,
  target,
}: OperationInput<DiskCreateRequest>): Promise<OperationOutcome> {
  const step = stepRunner(operationId);
  const { volume } = request;
  const disk = await step(
    'create disk',
    () =>
      diskActivities.createDisk({
        target,
        volume,
        idempotencyKey: `${operationId}/${volume}`,
        ...(request.name ? { name: request.name } : {}),
        ...(request.source ? { source: request.source } : {}),
        ...(request.zone ? { zone: request.zone } : {}),
      }),
    (d) => `${d.name} in ${d.zone}`,
  );
  const disks = await step('refresh disks', () => readActivities().listDisks({ target, volume }));
  return { disks: { [volume]: disks }, figures: { disksCreated: 1, disk: disk.name } };
}

export async function diskBootstrapWorkflow({
  operationId,
  target,
}: OperationInput<DiskBootstrapRequest>): Promise<OperationOutcome> {
  const step = stepRunner(operationId);
  const existing = byVolume(await step('list disks', () => readActivities().listDisks({ target })));
  // One assigned disk per volume that has none; volumes that already have one are left alone.
  const created = await createAssignedDisks(
    step,
    operationId,
    target,
    volumesWithoutAssignedDisk(target, existing),
  );
  const disks = await step('refresh disks', () => readActivities().listDisks({ target }));
  return { disks: byVolume(disks), figures: { disksCreated: created.length } };
}

export async function diskAssignWorkflow({
  operationId,
  request,
  target,
}: OperationInput<DiskAssignRequest>): Promise<OperationOutcome> {
  const step = stepRunner(operationId);
  const { volume, name } = request;
  const disks = await step(`assign ${name} to ${volume}`, () =>
    diskActivities.assignDisk({ target, volume, name }),
  );
  return { disks: { [volume]: disks } };
}

export async function diskDeleteWorkflow({
  operationId,
  request,
  target,
}: OperationInput<DiskDeleteRequest>): Promise<OperationOutcome> {
  const step = stepRunner(operationId);
  const { volume, name } = request;
  const disks = await step('check assignment', () => readActivities().listDisks({ target, volume }));
  const disk = disks.find((d) => d.name === name);
  if (!disk) throw ApplicationFailure.nonRetryable(`volume "${volume}" has no disk "${name}"`, 'NotFound');
  if (disk.assigned) {
    throw ApplicationFailure.nonRetryable(
      `disk "${name}" is the assigned disk of volume "${volume}" and is never deleted; assign another disk first`,
      'DiskAssigned',
    );
  }
  const users = await step(
    'check pods using it',
    () => kubeActivities.diskUsers({ target, volume, handle: disk.handle }),
    (u) => (u.pods.length ? u.pods.join(', ') : 'none'),
  );
  if (users.pods.length) {
    throw ApplicationFailure.nonRetryable(
      `disk "${name}" is still used by ${users.pods.join(', ')} (it was the assigned disk until the last deploy); deploy the app on its new disk first (kompoxops app deploy)`,
      'DiskInUse',
    );
  }
  await step(`delete ${name}`, () => diskActivities.deleteDisk({ target, volume, name }));
  const after = await step('refresh disks', () => readActivities().listDisks({ target, volume }));
  return { disks: { [volume]: after }, figures: { disksDeleted: 1 } };
}
