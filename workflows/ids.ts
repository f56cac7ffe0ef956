// Workflow ids are derived from the app Resource ID, so a second start joins the running
// controller instead of creating another one (DESIGN.md §6).

export const TASK_QUEUE = 'kompox';

export function appControllerWorkflowId(appId: string): string {
  return `kompox-app:${appId}`;
}

export function operationWorkflowId(appId: string, operationId: string): string {
  return `kompox-op:${appId}:${operationId}`;
}
