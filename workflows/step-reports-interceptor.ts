// Every workflow settles its step reports before it completes, fails or is cancelled: a signal
// still unsent when a workflow closes never reaches the controller (steps.ts pipelines them).
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { settleStepReports } from './steps';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        try {
          return await next(input);
        } finally {
          await settleStepReports();
        }
      },
    },
  ],
});
