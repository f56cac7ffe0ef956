// Activities that talk to an app controller through the worker's own Temporal client: a
// workflow cannot update-with-start another workflow, an activity can.
import { Context, heartbeat } from '@temporalio/activity';
import { type NewRequest, localRequester, submitOperation, watchOperation } from '../client/submit-operation';
import type { OperationRecord } from '../workflows/operation';

export function controllerRequestActivities() {
  return {
    async requestOperation({
      request,
      requestId,
    }: {
      request: NewRequest;
      requestId: string;
    }): Promise<OperationRecord> {
      return submitOperation(Context.current().client, request, {
        requestId,
        requester: localRequester('schedule'),
      });
    },

    async awaitOperation({
      appId,
      operationId,
    }: {
      appId: string;
      operationId: string;
    }): Promise<OperationRecord> {
      const ctx = Context.current();
      return watchOperation(ctx.client, appId, operationId, {
        pollMs: 1000,
        signal: ctx.cancellationSignal,
        onPoll: (record) => heartbeat(record.phase),
      });
    },
  };
}
