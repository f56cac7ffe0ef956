// The storm guard's semaphore: one workflow per cluster that grants app failover slots, at most
// `limit` held at once, in the order incidents asked for them. Signals to one workflow are
// ordered, so two incidents asking at the same moment never both get the last slot. It ends
// when no slot is held or wanted (the next request starts it again) and continues as new when
// its history grows long.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { type SlotRequest, acquireSlotSignal, releaseSlotSignal, slotGrantedSignal } from '../api/incident';

export interface FailoverSlotsState {
  waiting: SlotRequest[];
  /** Held slots: key → holder. */
  held: Record<string, string>;
}

export async function failoverSlotsWorkflow(input: {
  cluster: string;
  state?: FailoverSlotsState;
}): Promise<void> {
  const state: FailoverSlotsState = input.state ?? { waiting: [], held: {} };
  const heldCount = (): number => Object.keys(state.held).length;
  const grant = (r: SlotRequest) =>
    getExternalWorkflowHandle(r.holder)
      .signal(slotGrantedSignal, { key: r.key })
      .catch(() => undefined); // the holder has ended: its slot is released below

  setHandler(acquireSlotSignal, async (r) => {
    // A repeated request (the asking activity retried) is answered again, never queued twice.
    if (state.held[r.key]) await grant(r);
    else if (!state.waiting.some((w) => w.key === r.key)) state.waiting.push(r);
  });
  setHandler(releaseSlotSignal, ({ key }) => {
    delete state.held[key];
  });

  const canGrant = () => state.waiting.length > 0 && heldCount() < state.waiting[0]!.limit;
  const idle = () => state.waiting.length === 0 && heldCount() === 0;
  for (;;) {
    await condition(() => canGrant() || idle() || workflowInfo().continueAsNewSuggested);
    while (canGrant()) {
      const next = state.waiting.shift()!;
      state.held[next.key] = next.holder;
      await grant(next);
    }
    if (idle() || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (idle()) return;
      if (!canGrant()) await continueAsNew<typeof failoverSlotsWorkflow>({ ...input, state });
    }
  }
}
