// Step reporting for operation workflows. An operation keeps its steps and answers
// `operationStepsQuery` with them, so `kompoxops op watch` sees progress live; as it ends it
// hands the whole list to the app controller, in its outcome when it completes and in one signal
// when it fails or is cancelled, so a step costs no workflow task of its own in either workflow.
// Each step's end is one log line with the app key, operation id, kind, step, outcome and
// duration. The line goes through the workflow `log`, which stays silent during replay: a worker
// that picks the operation up again does not log its steps twice.
//
// Histories from before signalled each step's start and end to the controller, first each one
// awaited, then with the end report pipelined into the next step's first command; both replay.
// Signals still unsent when a workflow ends are lost, so every workflow settles its reports
// before it completes (step-reports-interceptor.ts).
import {
  CancellationScope,
  getExternalWorkflowHandle,
  log,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { operationStepSignal, operationStepsQuery, operationStepsSignal } from '../api/messages';
import type { StepRecord } from '../api/operation';
import { APP_KEY, OPERATION_KIND } from '../api/search-attributes';

export type StepRunner = <T>(
  name: string,
  fn: () => Promise<T>,
  detail?: (result: T) => string,
) => Promise<T>;

/** Histories from before the end reports were pipelined await each one where it was sent. */
export const PIPELINED_STEP_REPORTS_PATCH = 'pipelined-step-reports';
/** Histories from before steps were reported once at the end signal each step. */
export const STEPS_AT_END_PATCH = 'steps-at-end';

// Module state is per workflow run in the workflow sandbox.
const unsettled = new Set<Promise<void>>();
let stepsStarted = 0;
/** The steps so far, in start order, once this run reports them at its end. */
let kept: { controllerId: string; operationId: string; steps: StepRecord[]; sent?: true } | undefined;

function keep(step: StepRecord): void {
  const steps = kept!.steps;
  const i = steps.findIndex((s) => s.seq === step.seq);
  if (i >= 0) steps[i] = step;
  else steps.push(step);
}

function keepUntilSettled(report: Promise<void>, step: string): void {
  const settled: Promise<void> = report
    // Only a controller that is gone refuses a signal, and its record of the step with it.
    .catch((err: unknown) => log.warn('step report not delivered', { step, error: String(err) }))
    .finally(() => unsettled.delete(settled));
  unsettled.add(settled);
}

/**
 * The steps for a completed operation to return with its outcome, where the controller reads
 * them without a signal of their own; undefined when they are not this run's to hand over.
 */
export function takeStepsForOutcome(): StepRecord[] | undefined {
  if (!kept || kept.sent || kept.steps.length === 0) return undefined;
  kept.sent = true;
  return kept.steps;
}

/** Hands the controller this workflow's steps and waits until every report has reached it. */
export async function settleStepReports(): Promise<void> {
  if (kept?.steps.length && !kept.sent) {
    const { controllerId, operationId, steps } = kept;
    kept.sent = true;
    keepUntilSettled(
      CancellationScope.nonCancellable(() =>
        getExternalWorkflowHandle(controllerId).signal(operationStepsSignal, { operationId, steps }),
      ),
      'steps',
    );
  }
  while (unsettled.size > 0) await Promise.all([...unsettled]);
}

export function stepRunner(operationId: string): StepRunner {
  const { parent, typedSearchAttributes } = workflowInfo();
  const atEnd = parent !== undefined && patched(STEPS_AT_END_PATCH);
  const pipelined = atEnd || (parent !== undefined && patched(PIPELINED_STEP_REPORTS_PATCH));
  if (atEnd && !kept) {
    kept = { controllerId: parent.workflowId, operationId, steps: [] };
    const steps = kept.steps;
    setHandler(operationStepsQuery, () => steps);
  }
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
    if (atEnd) return keep(step);
    // Reports outlive a cancellation: the controller still learns how the step ended.
    await CancellationScope.nonCancellable(() =>
      getExternalWorkflowHandle(parent.workflowId).signal(operationStepSignal, { operationId, step }),
    );
  };
  return async (name, fn, detail) => {
    const startedAt = new Date().toISOString();
    // Steps started in one workflow task share its time; the controller orders them by this.
    const seq = stepsStarted++;
    // The start goes out with the step's first command instead of a round trip of its own (the
    // controller never lets a late start overwrite the end).
    void report({ name, phase: 'InProgress', startedAt, seq }).catch(() => undefined);
    try {
      const result = await fn();
      const ended = report({
        name,
        phase: 'Completed',
        startedAt,
        seq,
        endedAt: new Date().toISOString(),
        ...(detail ? { detail: detail(result) } : {}),
      });
      if (pipelined) keepUntilSettled(ended, name);
      else await ended;
      return result;
    } catch (err) {
      const message =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      await report({
        name,
        phase: 'Failed',
        startedAt,
        seq,
        endedAt: new Date().toISOString(),
        detail: message,
      });
      throw err;
    }
  };
}
