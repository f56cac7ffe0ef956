// The app controller: one long-lived workflow per app that accepts operations as Updates,
// runs them one at a time as child workflows, mirrors the app's disks for fast Queries and
// continues-as-new while idle to keep its history bounded.
import {
  ApplicationFailure,
  ChildWorkflowFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { operationWorkflowId } from './ids';
import {
  type ControllerView,
  type DiskView,
  type OperationOutcome,
  controllerViewQuery,
  operationFinishedSignal,
  operationQuery,
  operationStepSignal,
  submitOperationUpdate,
} from './messages';
import { type OperationRecord, type OperationRequest, summarize } from './operation';
import { operationWorkflowFor } from './operation-workflows';
import { validateRequest } from './request-validation';

/** How many finished operations the controller keeps in its state (older ones live in history). */
const KEEP_OPERATIONS = 50;
/** Continue-as-new well before Temporal's own suggestion on busy apps. */
const MAX_HISTORY_EVENTS = 5000;

interface QueuedOperation {
  record: OperationRecord;
  request: OperationRequest;
}

export interface AppControllerState {
  queue: QueuedOperation[];
  operations: OperationRecord[];
  disks: Record<string, DiskView[]>;
}

export interface AppControllerInput {
  appId: string;
  state?: AppControllerState;
  /** Lower bound for continue-as-new; tests set it low to exercise the hand-over. */
  maxHistoryEvents?: number;
}

export async function appController(input: AppControllerInput): Promise<void> {
  const { appId } = input;
  const state: AppControllerState = input.state ?? { queue: [], operations: [], disks: {} };
  let current: OperationRecord | undefined;

  const findOperation = (id: string): OperationRecord | undefined =>
    current?.id === id
      ? current
      : (state.queue.find((q) => q.record.id === id)?.record ?? state.operations.find((o) => o.id === id));

  setHandler(
    submitOperationUpdate,
    (request) => {
      // A request seen before (e.g. retried after a continue-as-new) is answered, not re-run.
      const seen = [current, ...state.queue.map((q) => q.record), ...state.operations].find(
        (o) => o?.requestId === request.requestId,
      );
      if (seen) return seen;
      const record = newRecord(appId, request);
      state.queue.push({ record, request });
      return record;
    },
    { validator: (request) => validateRequest(appId, request, state.disks) },
  );

  setHandler(controllerViewQuery, (): ControllerView => ({
    appId,
    ...(current ? { currentOperation: current } : {}),
    queued: state.queue.map((q) => q.record),
    disks: state.disks,
    recentOperations: state.operations,
  }));

  setHandler(operationQuery, (id) => findOperation(id) ?? null);

  setHandler(operationStepSignal, ({ operationId, step }) => {
    const record = findOperation(operationId);
    if (!record) return;
    const i = record.steps.findIndex((s) => s.name === step.name && s.startedAt === step.startedAt);
    if (i >= 0) record.steps[i] = step;
    else record.steps.push(step);
  });

  const limit = input.maxHistoryEvents ?? MAX_HISTORY_EVENTS;
  const historyFull = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > limit;

  for (;;) {
    await condition(() => state.queue.length > 0 || historyFull());
    const next = state.queue.shift();
    if (!next) {
      // Idle and the history is long: hand the state to a fresh run once no handler is mid-flight.
      await condition(allHandlersFinished);
      if (state.queue.length > 0) continue;
      await continueAsNew<typeof appController>({ ...input, state });
      return;
    }
    current = next.record;
    await runOperation(appId, next, state);
    state.operations.unshift(next.record);
    state.operations.splice(KEEP_OPERATIONS);
    current = undefined;
    if (next.request.notifyWorkflowId) await notify(next.request.notifyWorkflowId, next.record);
  }
}

/** Best effort: the waiter may have ended (timed out, cancelled); the record stays queryable. */
async function notify(workflowId: string, record: OperationRecord): Promise<void> {
  try {
    await getExternalWorkflowHandle(workflowId).signal(operationFinishedSignal, record);
  } catch {
    // nothing waits any more
  }
}

function newRecord(appId: string, request: OperationRequest): OperationRecord {
  const now = new Date();
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return {
    id: `${stamp}-${request.kind.replace('.', '-')}-${uuid4().slice(0, 6)}`,
    kind: request.kind,
    appId,
    requester: request.requester,
    requestId: request.requestId,
    summary: summarize(request),
    phase: 'Pending',
    requestedAt: now.toISOString(),
    steps: [],
  };
}

async function runOperation(appId: string, { record, request }: QueuedOperation, state: AppControllerState) {
  record.phase = 'InProgress';
  record.startedAt = new Date().toISOString();
  record.workflowId = operationWorkflowId(appId, record.id);
  try {
    const outcome: OperationOutcome = await executeChild(operationWorkflowFor(request.kind), {
      workflowId: record.workflowId,
      args: [{ operationId: record.id, request }],
    });
    if (outcome.disks) Object.assign(state.disks, outcome.disks);
    if (outcome.figures) record.figures = outcome.figures;
    record.phase = outcome.phase ?? 'Completed';
  } catch (err) {
    record.phase = isCancellation(err) ? 'Cancelled' : 'Failed';
    record.failure = failureOf(err);
  } finally {
    record.endedAt = new Date().toISOString();
  }
}

function failureOf(err: unknown): { reason: string; message: string } {
  let cause: unknown = err;
  // Unwrap ChildWorkflowFailure → ActivityFailure → ApplicationFailure to the root reason.
  while (cause instanceof Error && cause.cause) {
    if (cause instanceof ApplicationFailure && cause.type) break;
    cause = cause.cause;
  }
  if (cause instanceof ApplicationFailure) {
    return { reason: cause.type ?? 'Internal', message: cause.message };
  }
  if (err instanceof ChildWorkflowFailure && err.cause)
    return { reason: 'Internal', message: err.cause.message };
  return { reason: 'Internal', message: err instanceof Error ? err.message : String(err) };
}
