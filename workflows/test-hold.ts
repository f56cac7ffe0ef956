// The test-only operation: it occupies its lane until cancelled or its time is up, so tests
// can exercise lanes, preemption, cancel and deadlines with nothing else moving. Like a real
// operation it undoes its step when cancelled (it reports "released" in a non-cancellable scope).
import { CancellationScope, sleep } from '@temporalio/workflow';
import type { OperationOutcome } from '../api/messages';
import type { OperationInput, TestHoldRequest } from '../api/operation';
import { stepRunner } from './steps';

export async function testHoldWorkflow({
  operationId,
  request,
}: OperationInput<TestHoldRequest>): Promise<OperationOutcome> {
  const step = stepRunner(operationId);
  try {
    await step(`hold ${request.lane}`, () => sleep(request.seconds * 1000));
  } finally {
    await CancellationScope.nonCancellable(() => step('release', () => Promise.resolve()));
  }
  return { figures: { heldSeconds: request.seconds } };
}
