// Heartbeats of an activity that resumes from its last heartbeat details (an operation handle):
// a beat that only says "still working" (a long stream inside the driver) repeats the last details
// instead of replacing them, so a retry after a crash still finds the handle.
import { Context, heartbeat } from '@temporalio/activity';

export interface ResumableHeartbeat {
  /** Heartbeats `details` and keeps them for later progress beats. */
  details(details: unknown): void;
  /** Proof of progress: heartbeats the last details again. */
  progress(): void;
}

export function resumableHeartbeat(): ResumableHeartbeat {
  let last: unknown = Context.current().info.heartbeatDetails;
  return {
    details(details) {
      last = details;
      heartbeat(details);
    },
    progress() {
      heartbeat(last);
    },
  };
}
