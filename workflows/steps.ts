// Step reporting for operation workflows: each step's start and end is signalled to the app
// controller that runs the operation, so `kompoxops op watch` sees progress live, and each end
// is one log line with the app key, operation id, kind, step, outcome and duration. The line
// goes through the workflow `log`, which stays silent during replay: a worker that picks the
// operation up again does not log its steps twice.
import { CancellationScope, getExternalWorkflowHandle, log, workflowInfo } from '@temporalio/workflow';
import { operationStepSignal } from '../api/messages';
import type { StepRecord } from '../api/operation';
import { APP_KEY, OPERATION_KIND } from '../api/search-attributes';

export type StepRunner = <T>(
  name: string,
  fn: () => Promise<T>,
  detail?: (result: T) => string,
) => Promise<T>;

export function stepRunner(operationId: string): StepRunner {
  const { parent, typedSearchAttributes } = workflowInfo();
  // The controller tags each operation it starts with them; an operation run on its own has none.
  const appKey = typedSearchAttributes.get(APP_KEY);
  const kind = typedSearchAttributes.get(OPERATION_KIND);
  const report = async (step: StepRecord): Promise<void> => {
    if (step.endedAt)
      log.info('operation step', {
        appKey,
        operationId,
        kind,
        step: step.name,
        outcome: step.phase,
        durationSeconds: (Date.parse(step.endedAt) - Date.parse(step.startedAt)) / 1000,
        ...(step.phase === 'Failed' ? { error: step.detail } : {}),
      });
    if (!parent) return; // run on its own (tests, manual runs): nothing to report to
    // Reports outlive a cancellation: the controller still learns how the step ended.
    await CancellationScope.nonCancellable(() =>
      getExternalWorkflowHandle(parent.workflowId).signal(operationStepSignal, { operationId, step }),
    );
  };
  return async (name, fn, detail) => {
    const startedAt = new Date().toISOString();
    // The start goes out with the step's first command instead of a round trip of its own (the
    // controller never lets a late start overwrite the end). The end is awaited: signals still
    // unsent when a workflow ends are lost.
    void report({ name, phase: 'InProgress', startedAt }).catch(() => undefined);
    try {
      const result = await fn();
      await report({
        name,
        phase: 'Completed',
        startedAt,
        endedAt: new Date().toISOString(),
        ...(detail ? { detail: detail(result) } : {}),
      });
      return result;
    } catch (err) {
      const message =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      await report({ name, phase: 'Failed', startedAt, endedAt: new Date().toISOString(), detail: message });
      throw err;
    }
  };
}
