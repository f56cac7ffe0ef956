// A running operation's steps live in its own workflow, which hands them to the controller only
// as it ends (workflows/steps.ts). Readers that show progress ask the operation itself.
import type { Client } from '@temporalio/client';
import { appControllerWorkflowId } from '../api/ids';
import { operationQuery, operationStepsQuery } from '../api/messages';
import type { OperationRecord } from '../api/operation';

/** The record with the running operation's steps so far; unchanged once it has ended. */
export async function withLiveSteps(client: Client, record: OperationRecord): Promise<OperationRecord> {
  if (record.phase !== 'InProgress' || !record.workflowId) return record;
  try {
    const steps = await client.workflow.getHandle(record.workflowId).query(operationStepsQuery);
    // Operations from before this report their steps to the controller as they go.
    return steps.length >= record.steps.length ? { ...record, steps } : record;
  } catch {
    // It has just ended (its steps are on their way to the controller) or is not started yet.
    return record;
  }
}

/** An operation as its controller records it, with its live steps while it runs. */
export async function readOperation(
  client: Client,
  appKey: string,
  operationId: string,
): Promise<OperationRecord | null> {
  const record = await client.workflow
    .getHandle(appControllerWorkflowId(appKey))
    .query(operationQuery, operationId);
  return record && withLiveSteps(client, record);
}
