// Long-running cloud operations as plain JSON, so an activity can do:
//   const op = resumeOperation(info.heartbeatDetails, 'copySnapshot') ?? await driver.beginCopySnapshot(req);
//   const snap = await waitForOperation(driver, op, { onPoll: (op) => heartbeat(op) });
// If the worker dies, the retry reads the last heartbeat and keeps polling the same cloud
// operation instead of starting a second one. A retry that died before its first heartbeat calls
// begin* again, which the idempotency key turns into the same operation.

import { DriverError } from './errors';
import type { OperationResults, ProviderDriver } from './driver';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type OperationKind = keyof OperationResults;

const OPERATION_KINDS: readonly OperationKind[] = [
  'createDisk',
  'resizeDisk',
  'deleteDisk',
  'createSnapshot',
  'deleteSnapshot',
  'copySnapshot',
  'forceDetach',
  'fenceNode',
];

/**
 * What an activity heartbeats. `id` names the cloud operation or the resource being waited on
 * (GCP operation name, Azure poller state, AWS volume id, ...); `pollState` holds whatever else
 * the provider needs to resume polling (scope, region, serialized poller). Always JSON.
 */
export interface OperationHandle<K extends OperationKind = OperationKind> {
  kind: K;
  provider: string;
  id: string;
  pollState: JsonObject;
  startedAt: string;
}

export type PollResult<K extends OperationKind> =
  | { done: false; op: OperationHandle<K>; progress?: number; message?: string }
  | { done: true; result: OperationResults[K] };

export interface WaitOptions {
  /** First delay between polls; grows by half each time up to maxIntervalMs. */
  intervalMs?: number;
  maxIntervalMs?: number;
  /** Give up with a Transient error after this long (the activity retry resumes from the heartbeat). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called after every unfinished poll: heartbeat `op` here. */
  onPoll?: (op: OperationHandle, progress: number | undefined) => void | Promise<void>;
}

export function isOperationHandle(value: unknown): value is OperationHandle {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.kind === 'string' &&
    (OPERATION_KINDS as readonly string[]).includes(v.kind) &&
    typeof v.provider === 'string' &&
    typeof v.id === 'string' &&
    typeof v.startedAt === 'string' &&
    typeof v.pollState === 'object' &&
    v.pollState !== null &&
    !Array.isArray(v.pollState)
  );
}

/**
 * Picks a saved handle of the wanted kind out of heartbeat details (Temporal passes the value
 * given to heartbeat(); some callers wrap it in an array or object, so look one level deep).
 */
export function resumeOperation<K extends OperationKind>(
  details: unknown,
  kind: K,
): OperationHandle<K> | undefined {
  const candidates = Array.isArray(details)
    ? details
    : typeof details === 'object' && details !== null && !isOperationHandle(details)
      ? Object.values(details)
      : [details];
  for (const c of candidates) {
    if (isOperationHandle(c) && c.kind === kind) return c as OperationHandle<K>;
  }
  return undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Polls until the operation finishes; errors from poll (e.g. a failed create) propagate. */
export async function waitForOperation<K extends OperationKind>(
  driver: Pick<ProviderDriver, 'poll'>,
  op: OperationHandle<K>,
  options: WaitOptions = {},
): Promise<OperationResults[K]> {
  const maxInterval = options.maxIntervalMs ?? 10_000;
  let interval = Math.min(options.intervalMs ?? 1_000, maxInterval);
  const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
  let current = op;
  for (;;) {
    const status = await driver.poll(current);
    if (status.done) return status.result;
    current = status.op;
    await options.onPoll?.(current, status.progress);
    if (deadline !== undefined && Date.now() + interval > deadline) {
      throw new DriverError(
        'Transient',
        `${op.kind} ${op.id} did not finish within ${options.timeoutMs} ms`,
        {
          details: { operationId: op.id },
        },
      );
    }
    await sleep(interval, options.signal);
    interval = Math.min(Math.ceil(interval * 1.5), maxInterval);
  }
}
