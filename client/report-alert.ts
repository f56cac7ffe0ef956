// Hands an alert to its node's incident workflow. A firing alert starts the incident or joins
// the running one (update-with-start, the alert's dedupe key as the update id, so a re-sent
// alert is applied once); a resolved alert only reaches an incident that is still open.
import {
  type Client,
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { NormalizedAlert } from '../api/alert';
import { TASK_QUEUE } from '../api/ids';
import {
  type IncidentView,
  NODE_INCIDENT_WORKFLOW,
  type NodeIncidentInput,
  alertUpdateId,
  nodeIncidentWorkflowId,
  reportAlertUpdate,
} from '../api/incident';
import type { nodeIncidentWorkflow } from '../workflows/node-incident';

export type AlertOutcome =
  { result: 'incident'; incidentId: string; incident: IncidentView } | { result: 'ignored'; reason: string };

export async function reportAlert(
  client: Client,
  alert: NormalizedAlert,
  incidentOptions: Omit<NodeIncidentInput, 'cluster' | 'node'> = {},
): Promise<AlertOutcome> {
  const node = alert.node ?? alert.instanceId;
  if (!alert.cluster)
    return { result: 'ignored', reason: 'the alert names no cluster (and no default is set)' };
  if (!node) return { result: 'ignored', reason: 'the alert names no node or instance' };
  const incidentId = nodeIncidentWorkflowId(alert.cluster, node);
  const updateId = alertUpdateId(alert);
  try {
    if (alert.status === 'resolved') {
      const incident = await client.workflow
        .getHandle(incidentId)
        .executeUpdate(reportAlertUpdate, { args: [alert], updateId });
      return { result: 'incident', incidentId, incident };
    }
    const incident = await client.workflow.executeUpdateWithStart(reportAlertUpdate, {
      args: [alert],
      updateId,
      startWorkflowOperation: new WithStartWorkflowOperation<typeof nodeIncidentWorkflow>(
        NODE_INCIDENT_WORKFLOW,
        {
          workflowId: incidentId,
          taskQueue: TASK_QUEUE,
          args: [{ ...incidentOptions, cluster: alert.cluster, node }],
          workflowIdConflictPolicy: 'USE_EXISTING',
        },
      ),
    });
    return { result: 'incident', incidentId, incident };
  } catch (err) {
    // A resolution for an incident that has ended (or never was) changes nothing.
    if (alert.status === 'resolved' && (err instanceof WorkflowNotFoundError || isClosed(err)))
      return { result: 'ignored', reason: `no open incident for node ${node}` };
    if (err instanceof WorkflowUpdateFailedError)
      return { result: 'ignored', reason: err.cause instanceof Error ? err.cause.message : err.message };
    throw err;
  }
}

function isClosed(err: unknown): boolean {
  return err instanceof Error && /workflow execution already completed|not found/i.test(err.message);
}
