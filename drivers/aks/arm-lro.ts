// ARM long-running operations as JSON a worker can heartbeat. A begin* call sends the first
// request (201 with Azure-AsyncOperation) and keeps the SDK poller's serialize() text; any worker
// later turns that text back into a poller with restorePoller and advances it one request per
// `poll`, so a worker killed mid-operation is resumed where it stood instead of sending the PUT
// again.
import { type ComputeManagementClient, restorePoller } from '@azure/arm-compute';
import type { OperationState, PollerLike } from '@azure/core-lro';
import { DriverError } from '../errors';
import type { ArmCalls, CallOptions } from './arm-calls';
import { mapAzureError } from './errors';

type AnyPoller = PollerLike<OperationState<unknown>, unknown>;

/** Sends the first request of an operation; the poller's serialized state, to keep in the handle. */
export function startLro(
  arm: ArmCalls,
  action: string,
  start: (c: ComputeManagementClient, o: CallOptions) => AnyPoller,
): Promise<string> {
  // Never return the poller itself from an async function: it is a thenable that waits until done.
  return arm.call(action, async (c, o) => {
    const poller = start(c, o);
    await poller.submitted();
    return poller.serialize();
  });
}

/** Advances a serialized operation by one poll; `state` is what to keep for the next one. */
export async function advanceLro(
  arm: ArmCalls,
  action: string,
  serialized: string,
): Promise<{ done: boolean; state: string }> {
  return arm.call(action, async (c, o) => {
    // restorePoller finds the response handling by the request URL; the operation is a label.
    const poller = restorePoller(c, serialized, c.disks.createOrUpdate, o) as AnyPoller;
    if (!poller.isDone) {
      try {
        await poller.poll({ abortSignal: o.abortSignal });
      } catch (err) {
        // A request that failed (throttled, 5xx, no reply) leaves the operation to poll again.
        if (!isFinished(poller)) throw err;
        throw failed(action, poller.operationState?.error ?? err);
      }
    }
    if (isFinished(poller)) throw failed(action, poller.operationState?.error);
    return { done: poller.isDone, state: await poller.serialize() };
  });
}

function isFinished(poller: AnyPoller): boolean {
  const status = poller.operationState?.status;
  return status === 'failed' || status === 'canceled';
}

/** A failed operation: Azure says why; a failed operation is not retried by resuming it. */
function failed(action: string, err: unknown): DriverError {
  const mapped = mapAzureError(err ?? new Error('the operation failed'), action);
  // A transient failure reported by the operation itself (not by our request) ended it for good.
  return mapped.code === 'Transient'
    ? new DriverError('Conflict', mapped.message, { details: { ...mapped.details, state: 'failed' } })
    : mapped;
}
