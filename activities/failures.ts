// Turns driver errors into Temporal failures: the driver's code becomes the failure type the
// operation record shows, and only transient errors are retried.
import { ApplicationFailure } from '@temporalio/activity';
import { DriverError } from '../drivers/errors';

export async function asActivityFailure<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
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
