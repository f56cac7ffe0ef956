// Workflow ids derive from the app key `<workspace>/<provider>/<app>`, the scope of the app's
// disks and namespace (DESIGN.md §6): the cluster is where the app runs now, not who it is, so
// two Clusters with one app name share one controller and a move between clusters keeps it.

export const TASK_QUEUE = 'kompox';

/** Workflow type names, so clients start workflows without importing workflow code. */
export const APP_CONTROLLER_WORKFLOW = 'appController';
export const SCHEDULED_SNAPSHOT_WORKFLOW = 'scheduledSnapshotWorkflow';
export const APP_READ_WORKFLOW = 'appReadWorkflow';

export function appKeyOf(workspace: string, provider: string, app: string): string {
  return `${workspace}/${provider}/${app}`;
}

export function appControllerWorkflowId(appKey: string): string {
  return `kompox-app:${appKey}`;
}

export function operationWorkflowId(appKey: string, operationId: string): string {
  return `kompox-op:${appKey}:${operationId}`;
}
