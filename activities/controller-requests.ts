// Activities that talk to an app controller through the worker's own Temporal client: a
// workflow cannot update-with-start another workflow, an activity can. Context.client is
// built by the worker with the worker's data converter, so these requests are encrypted too.
import { Context } from '@temporalio/activity';
import { type NewRequest, localRequester, submitOperation } from '../client/submit-operation';
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
  };
}
