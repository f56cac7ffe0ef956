// Which child workflow runs each operation kind.
import {
  diskAssignWorkflow,
  diskBootstrapWorkflow,
  diskCreateWorkflow,
  diskDeleteWorkflow,
} from './disk-operations';
import { appDeployWorkflow, appDestroyWorkflow } from './app-deploy';
import { appFailoverWorkflow } from './app-failover';
import { appMigrateWorkflow } from './app-migrate';
import { keptPruneWorkflow } from './kept-prune';
import {
  snapshotCreateWorkflow,
  snapshotDeleteWorkflow,
  snapshotPruneWorkflow,
  snapshotRestoreWorkflow,
} from './snapshot-operations';
import type { OperationOutcome } from '../api/messages';
import type { OperationInput, OperationKind, OperationRequest } from '../api/operation';
import { testHoldWorkflow } from './test-hold';

type WorkflowFor<K extends OperationKind> = (
  input: OperationInput<Extract<OperationRequest, { kind: K }>>,
) => Promise<OperationOutcome>;

const WORKFLOWS: { [K in OperationKind]: WorkflowFor<K> } = {
  'disk.create': diskCreateWorkflow,
  'disk.bootstrap': diskBootstrapWorkflow,
  'disk.assign': diskAssignWorkflow,
  'disk.delete': diskDeleteWorkflow,
  'app.deploy': appDeployWorkflow,
  'app.destroy': appDestroyWorkflow,
  'app.failover': appFailoverWorkflow,
  'app.migrate': appMigrateWorkflow,
  'kept.prune': keptPruneWorkflow,
  'snapshot.create': snapshotCreateWorkflow,
  'snapshot.delete': snapshotDeleteWorkflow,
  'snapshot.restore': snapshotRestoreWorkflow,
  'snapshot.prune': snapshotPruneWorkflow,
  'test.hold': testHoldWorkflow,
};

/** The map above guarantees each kind gets the workflow for its own request type. */
export function operationWorkflowFor(
  kind: OperationKind,
): (input: OperationInput<OperationRequest>) => Promise<OperationOutcome> {
  return WORKFLOWS[kind] as (input: OperationInput<OperationRequest>) => Promise<OperationOutcome>;
}
