// Recognises "this app has no controller yet": not an error for read commands.
import { WorkflowNotFoundError } from '@temporalio/client';

export function isControllerMissing(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError;
}
