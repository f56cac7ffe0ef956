// Heartbeats of an activity that resumes from its last heartbeat details (an operation handle):
// a beat that only says "still working" (a long stream inside the driver) repeats the last details
// instead of replacing them, so a retry after a crash still finds the handle.
import { Context, heartbeat } from '@temporalio/activity';
import { type IntentKind, type IntentLog, resumeIntent } from '../drivers/create-intent';
import type { OperationHandle, OperationKind, OperationResults, ProviderDriver } from '../drivers/driver';
import { waitForOperation } from '../drivers/long-operation';

export interface ResumableHeartbeat {
  /** Heartbeats `details` and keeps them for later progress beats. */
  details(details: unknown): void;
  /** Proof of progress: heartbeats the last details again. */
  progress(): void;
  /**
   * The driver's intent log for a create the cloud cannot make idempotent (create-intent.ts):
   * what an earlier attempt heartbeated, and new intents heartbeated before the cloud call.
   */
  intents(kind: IntentKind): IntentLog;
  /** Heartbeats `op` and polls it to its end, beating each newer handle; a cancel stops the wait. */
  finish<K extends OperationKind>(
    driver: Pick<ProviderDriver, 'poll'>,
    op: OperationHandle<K>,
  ): Promise<OperationResults[K]>;
}

export function resumableHeartbeat(): ResumableHeartbeat {
  const { heartbeatDetails, attempt } = Context.current().info;
  let last: unknown = heartbeatDetails;
  const details = (d: unknown): void => {
    last = d;
    heartbeat(d);
  };
  return {
    details,
    progress() {
      heartbeat(last);
    },
    intents(kind) {
      return { previous: resumeIntent(heartbeatDetails, kind), retried: attempt > 1, record: details };
    },
    finish(driver, op) {
      details(op);
      return waitForOperation(driver, op, {
        intervalMs: 200,
        maxIntervalMs: 2000,
        signal: Context.current().cancellationSignal,
        onPoll: (next) => details(next),
      });
    },
  };
}
