// Turns driver errors into Temporal failures: the driver's code becomes the failure type the
// operation record shows, and only transient errors are retried.
import { ApplicationFailure } from '@temporalio/activity';
import { DriverError } from '../drivers/errors';
import { KubeError, toKubeError } from '../kube/errors';

/** HTTP answers from the apiserver that a retry cannot change (invalid, forbidden, not found…). */
function isRejection(err: KubeError): boolean {
  return err.code !== undefined && err.code >= 400 && err.code < 500 && ![408, 409, 429].includes(err.code);
}

export async function asActivityFailure<T>(fn: () => Promise<T>, action?: string): Promise<T> {
  try {
    return await fn();
  } catch (raw) {
    if (raw instanceof ApplicationFailure) throw raw;
    // Anything from client-node becomes one line quoting the apiserver's own message.
    const err =
      raw instanceof DriverError || raw instanceof KubeError || !isKubeLike(raw)
        ? raw
        : toKubeError(raw, action);
    if (err instanceof KubeError) {
      throw ApplicationFailure.create({
        message: err.message,
        type: isRejection(err) ? 'KubeRejected' : 'KubeUnavailable',
        nonRetryable: isRejection(err),
      });
    }
    if (err instanceof DriverError) {
      throw ApplicationFailure.create({
        message: err.message,
        type: err.code,
        nonRetryable: !err.retryable,
        details: [err.details],
      });
    }
    throw err;
  }
}

export function refuse(message: string, type: string): never {
  throw ApplicationFailure.nonRetryable(message, type);
}

function isKubeLike(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err.constructor.name === 'ApiException' ||
      typeof (err as { statusCode?: unknown }).statusCode === 'number' ||
      err.message === 'fetch failed')
  );
}
