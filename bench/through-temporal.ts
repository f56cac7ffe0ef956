// The Temporal path of a bench: an operation submitted to the app's controller as the CLI does,
// timed until the controller's record shows it Completed. The wait is on the operation
// workflow's result (a long poll at the server), then the controller is queried every 20 ms:
// querying every 20 ms all along would have the worker answer some 50 queries a second (the
// CLI asks every 300 ms), which costs the worker and the server CPU the operation then lacks.
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { type NewRequest, submitOperation, watchOperation } from '../client/submit-operation';
import { operationWorkflowId } from '../api/ids';
import type { OperationRecord } from '../api/operation';

export async function throughTemporal(client: Client, request: NewRequest): Promise<OperationRecord> {
  const accepted = await submitOperation(client, request);
  // The operation's workflow may not be started yet when the submit returns.
  const workflow = client.workflow.getHandle(operationWorkflowId(accepted.appKey, accepted.id));
  for (;;) {
    try {
      await workflow.result();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        await sleep(20);
        continue;
      }
    }
    break; // ended, one way or another: the record says how
  }
  const done = await watchOperation(client, accepted.appKey, accepted.id, { pollMs: 20 });
  if (done.phase !== 'Completed')
    throw new Error(`${request.kind} ${done.phase}: ${done.failure?.reason}: ${done.failure?.message}`);
  return done;
}
