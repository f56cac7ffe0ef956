// Runs the read workflow for the CLI and waits for it: reads go through the worker, which
// holds the credentials and retries transient faults.
import { type Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { APP_READ_WORKFLOW, TASK_QUEUE } from '../api/ids';
import { APP_KEY } from '../api/search-attributes';
import type { AppReadRequest, AppReadResult, appReadWorkflow } from '../workflows/app-read';

/** The read failed after its retries; the message is the reason, in one line. */
export class AppReadError extends Error {
  override readonly name = 'AppReadError';
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

export async function readApp(client: Client, request: AppReadRequest): Promise<AppReadResult> {
  const { appKey } = request.target;
  try {
    return await client.workflow.execute<typeof appReadWorkflow>(APP_READ_WORKFLOW, {
      workflowId: `kompox-read:${appKey}:${randomUUID()}`,
      taskQueue: TASK_QUEUE,
      args: [request],
      workflowExecutionTimeout: '3 minutes',
      typedSearchAttributes: [{ key: APP_KEY, value: appKey }],
    });
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      let cause: unknown = err.cause;
      while (cause instanceof Error && !(cause instanceof ApplicationFailure) && cause.cause)
        cause = cause.cause;
      const message = cause instanceof Error ? cause.message : err.message;
      throw new AppReadError(
        message,
        cause instanceof ApplicationFailure ? (cause.type ?? 'Internal') : 'Internal',
      );
    }
    throw err;
  }
}
