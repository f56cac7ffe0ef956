// The one explicit list of workflows the worker registers (no re-export barrels of barrels).
export { appController } from './app-controller';
export {
  diskAssignWorkflow,
  diskBootstrapWorkflow,
  diskCreateWorkflow,
  diskDeleteWorkflow,
} from './disk-operations';
export { appDeployWorkflow, appDestroyWorkflow } from './app-deploy';
export { appFailoverWorkflow } from './app-failover';
export { appMigrateWorkflow } from './app-migrate';
export { keptPruneWorkflow } from './kept-prune';
export { nodeIncidentWorkflow } from './node-incident';
export { failoverSlotsWorkflow } from './failover-slots';
export {
  snapshotCreateWorkflow,
  snapshotDeleteWorkflow,
  snapshotPruneWorkflow,
  snapshotRestoreWorkflow,
} from './snapshot-operations';
export { scheduledSnapshotWorkflow } from './scheduled-snapshot';
export { testHoldWorkflow } from './test-hold';
export { appReadWorkflow } from './app-read';
