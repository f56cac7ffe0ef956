// Hands an operation to the app's controller (starting the controller if it is not running,
// in one update-with-start call) and follows it to the end. Used by the CLI, by the scheduled
// snapshot activity and by tests.
import { type Client, WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { appController } from '../workflows/app-controller';
import { APP_CONTROLLER_WORKFLOW, TASK_QUEUE, appControllerWorkflowId } from '../api/ids';
import { cancelOperationUpdate, operationQuery, submitOperationUpdate } from '../api/messages';
import { type OperationRecord, type OperationRequest, type Requester, isFinal } from '../api/operation';
import { APP_KEY } from '../api/search-attributes';
import { withLiveSteps } from './live-steps';
import { localRequester } from './requester';

export { localRequester };

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
/** A request as callers write it: the app key defaults to the target's. */
export type NewRequest = DistributiveOmit<OperationRequest, 'requestId' | 'requester' | 'appKey'> & {
  appKey?: string;
};

/** The controller's validator refused the request; nothing was started. */
export class OperationRefusedError extends Error {
  override readonly name = 'OperationRefusedError';
}

/** The controller does not know the operation id. */
export class OperationNotFoundError extends Error {
  override readonly name = 'OperationNotFoundError';
}

export interface SubmitOptions {
  requester?: Requester;
  /** Same id, same operation: a retried submit is answered with the first one's record. */
  requestId?: string;
}

export async function submitOperation(
  client: Client,
  request: NewRequest,
  opts: SubmitOptions = {},
): Promise<OperationRecord> {
  const appKey = request.appKey ?? request.target?.appKey;
  if (!appKey) throw new Error('an operation request needs an app key or a target');
  const full = {
    ...request,
    appKey,
    requestId: opts.requestId ?? randomUUID(),
    requester: opts.requester ?? localRequester(),
  } as OperationRequest;
  try {
    return await client.workflow.executeUpdateWithStart(submitOperationUpdate, {
      args: [full],
      updateId: full.requestId,
      startWorkflowOperation: new WithStartWorkflowOperation<typeof appController>(APP_CONTROLLER_WORKFLOW, {
        workflowId: appControllerWorkflowId(appKey),
        taskQueue: TASK_QUEUE,
        args: [{ appKey }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        typedSearchAttributes: [{ key: APP_KEY, value: appKey }],
      }),
    });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const reason = err.cause instanceof Error ? err.cause.message : err.message;
      throw new OperationRefusedError(`refused by the app controller: ${reason}`);
    }
    throw err;
  }
}

export interface WatchOptions {
  /** Called for every step that starts or ends, once each. */
  onStep?: (line: string) => void;
  pollMs?: number;
  signal?: AbortSignal;
  /** Called after every poll (activities heartbeat here). */
  onPoll?: (record: OperationRecord) => void;
}

/** Asks the controller to cancel an operation and waits until it has ended (or was dequeued). */
export async function cancelOperation(
  client: Client,
  appKey: string,
  operationId: string,
  reason: string,
  requester: Requester = localRequester(),
): Promise<OperationRecord> {
  try {
    return await client.workflow
      .getHandle(appControllerWorkflowId(appKey))
      .executeUpdate(cancelOperationUpdate, { args: [{ operationId, reason, requester }] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      throw new OperationNotFoundError(err.cause instanceof Error ? err.cause.message : err.message);
    }
    throw err;
  }
}

/** Follows an operation through the controller's query until it reaches a final phase. */
export async function watchOperation(
  client: Client,
  appKey: string,
  operationId: string,
  opts: WatchOptions = {},
): Promise<OperationRecord> {
  const handle = client.workflow.getHandle(appControllerWorkflowId(appKey));
  const seen = new Set<string>();
  for (;;) {
    opts.signal?.throwIfAborted();
    const queried = await handle.query(operationQuery, operationId);
    if (!queried) throw new OperationNotFoundError(`app ${appKey} has no operation "${operationId}"`);
    const record = opts.onStep ? await withLiveSteps(client, queried) : queried;
    opts.onPoll?.(record);
    for (const step of record.steps) {
      const key = `${step.name}@${step.startedAt}:${step.phase}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const detail = step.detail ? ` (${step.detail})` : '';
      const took = step.endedAt
        ? ` ${((Date.parse(step.endedAt) - Date.parse(step.startedAt)) / 1000).toFixed(1)}s`
        : '';
      const mark = step.phase === 'InProgress' ? '…' : step.phase === 'Completed' ? '✓' : '✗';
      opts.onStep?.(`${mark} ${step.name}${took}${detail}`);
    }
    if (isFinal(record.phase)) return record;
    await sleep(opts.pollMs ?? 300);
  }
}
