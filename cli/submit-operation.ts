// Hands an operation to the app's controller (starting the controller if it is not running,
// in one update-with-start call) and, unless told not to, follows it to the end.
import { type Client, WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { appController } from '../workflows/app-controller';
import { TASK_QUEUE, appControllerWorkflowId } from '../workflows/ids';
import { operationQuery, submitOperationUpdate } from '../workflows/messages';
import { type OperationRecord, type OperationRequest, type Requester, isFinal } from '../workflows/operation';
import { APP_ID } from '../workflows/search-attributes';
import { CliError, EXIT } from './exit-codes';

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
export type NewRequest = DistributiveOmit<OperationRequest, 'requestId' | 'requester'>;

export function cliRequester(): Requester {
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER;
  }
  return { via: 'cli', ...(user ? { user } : {}), host: hostname() };
}

export async function submitOperation(client: Client, request: NewRequest): Promise<OperationRecord> {
  const full = { ...request, requestId: randomUUID(), requester: cliRequester() } as OperationRequest;
  const appId = full.target.appId;
  try {
    return await client.workflow.executeUpdateWithStart(submitOperationUpdate, {
      args: [full],
      updateId: full.requestId,
      startWorkflowOperation: new WithStartWorkflowOperation(appController, {
        workflowId: appControllerWorkflowId(appId),
        taskQueue: TASK_QUEUE,
        args: [{ appId }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        typedSearchAttributes: [{ key: APP_ID, value: appId }],
      }),
    });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const reason = err.cause instanceof Error ? err.cause.message : err.message;
      throw new CliError(`refused by the app controller: ${reason}`, EXIT.usage);
    }
    throw err;
  }
}

export interface WatchOptions {
  /** Called for every step that starts or ends, once each. */
  onStep?: (line: string) => void;
  pollMs?: number;
}

/** Follows an operation through the controller's query until it reaches a final phase. */
export async function watchOperation(
  client: Client,
  appId: string,
  operationId: string,
  opts: WatchOptions = {},
): Promise<OperationRecord> {
  const handle = client.workflow.getHandle(appControllerWorkflowId(appId));
  const seen = new Set<string>();
  for (;;) {
    const record = await handle.query(operationQuery, operationId);
    if (!record) throw new CliError(`app ${appId} has no operation "${operationId}"`, EXIT.failed);
    for (const step of record.steps) {
      const key = `${step.name}@${step.startedAt}:${step.phase}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const detail = step.detail ? ` (${step.detail})` : '';
      const took = step.endedAt
        ? ` ${((Date.parse(step.endedAt) - Date.parse(step.startedAt)) / 1000).toFixed(1)}s`
        : '';
      opts.onStep?.(
        `${step.phase === 'InProgress' ? '…' : step.phase === 'Completed' ? '✓' : '✗'} ${step.name}${took}${detail}`,
      );
    }
    if (isFinal(record.phase)) return record;
    await sleep(opts.pollMs ?? 300);
  }
}
