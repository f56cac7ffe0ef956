// Every workflow settles its step reports before it completes, fails or is cancelled: a signal
// still unsent when a workflow closes never reaches the controller (steps.ts pipelines them). A
// completed operation returns its steps with its outcome instead of signalling them.
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { settleStepReports, takeStepsForOutcome } from './steps';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        let result: unknown;
        try {
          result = await next(input);
        } catch (err) {
          await settleStepReports();
          throw err;
        }
        if (result !== null && typeof result === 'object' && !Array.isArray(result)) {
          const steps = takeStepsForOutcome();
          if (steps) result = { ...result, steps };
        }
        await settleStepReports();
        return result;
      },
    },
  ],
});
