// The app controller: one long-lived workflow per app key (`ws/prv/app`) that accepts
// operations as Updates, runs them one at a time as child workflows in priority lanes, keeps
// the deployed revision and the app's placement, mirrors its disks for fast Queries and
// continues-as-new while idle to keep its history bounded.
//
// Versioning: the controller lives for months, so a change to what it does with a recorded
// history must be guarded with `patched()` (old runs keep the old path, new runs take the
// new one); the replay test runs the recorded histories in test/histories against every build.
import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowCancellationType,
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
import { type AppRevision, summarizeRevision } from '../api/app-revision';
import type { AppTarget } from '../api/app-target';
import { operationWorkflowId } from '../api/ids';
import {
  type ControllerView,
  type DiskView,
  type OperationOutcome,
  type Placement,
  cancelOperationUpdate,
  controllerMetricsQuery,
  controllerViewQuery,
  deployedRevisionQuery,
  operationFinishedSignal,
  operationQuery,
  operationStepSignal,
  operationStepsSignal,
  requestOperationSignal,
  submitOperationUpdate,
} from '../api/messages';
import {
  type OperationFailure,
  type OperationPhase,
  type OperationRecord,
  type OperationRequest,
  type Requester,
  isFinal,
  summarize,
} from '../api/operation';
import type { KeptResource } from '../api/migration';
import { type OperationTotals, countOperation, emptyTotals } from '../api/operation-totals';
import { APP_KEY, OPERATION_KIND } from '../api/search-attributes';
import { deadlineSecondsOf, laneOf, lanePriority } from './lanes';
import { operationWorkflowFor } from './operation-workflows';
import { effectiveTarget, validateRequest } from './request-validation';

/** How many finished operations the controller keeps in its state (older ones live in history). */
const KEEP_OPERATIONS = 50;
/** How long kept resources a prune could not delete wait before the next try. */
const PRUNE_RETRY_MS = 60 * 60 * 1000;
/** Continue-as-new well before Temporal's own suggestion on busy apps. */
const MAX_HISTORY_EVENTS = 5000;

interface QueuedOperation {
  record: OperationRecord;
  request: OperationRequest;
}

export interface DeployedState {
  revision: AppRevision;
  target: AppTarget;
  deployedAt: string;
  deployedBy: Requester;
  operationId: string;
}

export interface AppControllerState {
  queue: QueuedOperation[];
  operations: OperationRecord[];
  disks: Record<string, DiskView[]>;
  placement?: Placement;
  deployed?: DeployedState;
  /** The newest target a request brought: what requests without one use before any deploy. */
  lastTarget?: AppTarget;
  /** What migrations keep of their sources; pruned by a `kept.prune` once its time has come. */
  kept?: KeptResource[];
  /** When the last `kept.prune` was queued (epoch ms): what it could not prune waits an hour. */
  lastPruneAt?: number;
  /** Durations and outcomes of every operation since the controller started: the worker's metrics. */
  totals?: OperationTotals;
}

export interface AppControllerInput {
  appKey: string;
  state?: AppControllerState;
  /** Lower bound for continue-as-new; tests set it low to exercise the hand-over. */
  maxHistoryEvents?: number;
}

/** The running operation and, once someone decided to stop it, how it must end. */
interface Running {
  record: OperationRecord;
  scope: CancellationScope;
  stop?: { phase: OperationPhase; failure: OperationFailure };
}

export async function appController(input: AppControllerInput): Promise<void> {
  const { appKey } = input;
  const state: AppControllerState = input.state ?? { queue: [], operations: [], disks: {} };
  let running: Running | undefined;

  const findOperation = (id: string): OperationRecord | undefined =>
    running?.record.id === id
      ? running.record
      : (state.queue.find((q) => q.record.id === id)?.record ?? state.operations.find((o) => o.id === id));

  const seenRequest = (requestId: string): OperationRecord | undefined =>
    [running?.record, ...state.queue.map((q) => q.record), ...state.operations].find(
      (o) => o?.requestId === requestId,
    );

  const finish = async (record: OperationRecord, request: OperationRequest): Promise<void> => {
    record.endedAt ??= new Date().toISOString();
    state.operations.unshift(record);
    state.operations.splice(KEEP_OPERATIONS);
    countOperation((state.totals ??= emptyTotals()), record, request);
    if (request.notifyWorkflowId) await notify(request.notifyWorkflowId, record);
  };

  const knownTarget = (): AppTarget | undefined => state.deployed?.target ?? state.lastTarget;

  const accept = (request: OperationRequest): OperationRecord => {
    const record = newRecord(appKey, request);
    if (request.target) state.lastTarget = request.target;
    state.queue.push({ record, request });
    // A higher lane may take the running operation's place; it ends Cancelled with the reason.
    if (
      request.preempt &&
      running &&
      !running.stop &&
      lanePriority(record.lane) < lanePriority(running.record.lane)
    ) {
      stopRunning(
        running,
        'Cancelled',
        'Preempted',
        `preempted by ${record.id} (${record.kind}, lane ${record.lane})`,
      );
    }
    return record;
  };

  setHandler(submitOperationUpdate, (request) => seenRequest(request.requestId) ?? accept(request), {
    validator: (request) =>
      validateRequest(appKey, request, state.disks, knownTarget(), state.deployed?.target),
  });

  // Requests from workflows (scheduled runs) arrive as signals: a refusal becomes a Failed record.
  setHandler(requestOperationSignal, async (request) => {
    const seen = seenRequest(request.requestId);
    if (seen) {
      // A repeated scheduled run waits too: tell it at once if the operation has already ended.
      if (isFinal(seen.phase) && request.notifyWorkflowId) await notify(request.notifyWorkflowId, seen);
      return;
    }
    try {
      validateRequest(appKey, request, state.disks, knownTarget(), state.deployed?.target);
    } catch (err) {
      const record = newRecord(appKey, request);
      record.phase = 'Failed';
      record.failure = { reason: 'Refused', message: err instanceof Error ? err.message : String(err) };
      await finish(record, request);
      return;
    }
    accept(request);
  });

  setHandler(
    cancelOperationUpdate,
    async ({ operationId, reason, requester }) => {
      const who = `${requester.user ?? requester.via}${requester.host ? `@${requester.host}` : ''}`;
      const message = `cancelled by ${who}${reason ? `: ${reason}` : ''}`;
      const queued = state.queue.findIndex((q) => q.record.id === operationId);
      if (queued >= 0) {
        const [{ record, request }] = state.queue.splice(queued, 1) as [QueuedOperation];
        record.phase = 'Cancelled';
        record.failure = { reason: 'Cancelled', message };
        await finish(record, request);
        return record;
      }
      if (running?.record.id === operationId) {
        const record = running.record;
        if (!running.stop) stopRunning(running, 'Cancelled', 'Cancelled', message);
        await condition(() => isFinal(record.phase));
        return record;
      }
      return findOperation(operationId)!;
    },
    {
      validator: ({ operationId }) => {
        if (!findOperation(operationId)) throw new Error(`app ${appKey} has no operation "${operationId}"`);
      },
    },
  );

  setHandler(controllerViewQuery, (): ControllerView => ({
    appKey,
    ...(state.placement ? { placement: state.placement } : {}),
    ...(state.deployed
      ? {
          deployed: {
            revision: summarizeRevision(state.deployed.revision),
            deployedAt: state.deployed.deployedAt,
            deployedBy: state.deployed.deployedBy,
            operationId: state.deployed.operationId,
          },
        }
      : {}),
    ...(running ? { currentOperation: running.record } : {}),
    queued: state.queue.map((q) => q.record),
    disks: state.disks,
    recentOperations: state.operations,
    ...(state.kept?.length ? { kept: state.kept } : {}),
  }));

  setHandler(controllerMetricsQuery, () => ({
    appKey,
    ...(state.deployed ? { deployedOperationId: state.deployed.operationId } : {}),
    ...(state.operations[0] ? { lastOperationId: state.operations[0].id } : {}),
    totals: state.totals ?? emptyTotals(),
  }));

  setHandler(operationQuery, (id) => findOperation(id) ?? null);

  setHandler(deployedRevisionQuery, () =>
    state.deployed ? { revision: state.deployed.revision, target: state.deployed.target } : null,
  );

  // Operations report their steps once, as they end; `op watch` reads a running one's live.
  setHandler(operationStepsSignal, ({ operationId, steps }) => {
    const record = findOperation(operationId);
    if (record) record.steps = steps;
  });

  // Histories from before that reported each step as it started and ended.
  setHandler(operationStepSignal, ({ operationId, step }) => {
    const record = findOperation(operationId);
    if (!record) return;
    const i = record.steps.findIndex((s) => s.name === step.name && s.startedAt === step.startedAt);
    if (i >= 0) {
      if (step.phase !== 'InProgress') record.steps[i] = step;
      return;
    }
    // Signals sent in one workflow task may arrive in any order: keep the steps in the order
    // they started (by their sequence number; records from before it, by their start time).
    const after = record.steps.findIndex((s) =>
      s.seq !== undefined && step.seq !== undefined ? s.seq > step.seq : s.startedAt > step.startedAt,
    );
    if (after < 0) record.steps.push(step);
    else record.steps.splice(after, 0, step);
  });

  const limit = input.maxHistoryEvents ?? MAX_HISTORY_EVENTS;
  const historyFull = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > limit;

  for (;;) {
    // Only apps with kept migration sources wait on a timer: others replay as they always did.
    const pruneAt = nextPruneAt(state);
    if (pruneAt === undefined) await condition(() => state.queue.length > 0 || historyFull());
    else if (
      !(await condition(() => state.queue.length > 0 || historyFull(), Math.max(1000, pruneAt - Date.now())))
    )
      enqueuePrune(state, pruneAt);
    const next = takeNext(state.queue);
    if (!next) {
      // Idle and the history is long: hand the state to a fresh run once no handler is mid-flight.
      await condition(allHandlersFinished);
      if (state.queue.length > 0) continue;
      await continueAsNew<typeof appController>({ ...input, state });
      return;
    }
    running = { record: next.record, scope: new CancellationScope() };
    await runOperation(appKey, next, state, running, knownTarget());
    running = undefined;
    await finish(next.record, next.request);
  }
}

/** When the earliest kept resource may go; undefined when nothing is kept or a prune is queued. */
function nextPruneAt(state: AppControllerState): number | undefined {
  if (!state.kept?.length || state.queue.some((q) => q.request.kind === 'kept.prune')) return undefined;
  const earliest = Math.min(...state.kept.map((k) => Date.parse(k.keepUntil)));
  return Math.max(earliest, (state.lastPruneAt ?? 0) + PRUNE_RETRY_MS);
}

function enqueuePrune(state: AppControllerState, at: number): void {
  const request: OperationRequest = {
    kind: 'kept.prune',
    requestId: `kept-prune-${at}`,
    requester: { via: 'controller' },
    appKey: state.deployed?.target.appKey ?? state.lastTarget?.appKey ?? '',
    kept: (state.kept ?? []).filter((k) => Date.parse(k.keepUntil) <= at),
  };
  state.lastPruneAt = at;
  state.queue.push({ record: newRecord(request.appKey, request), request });
}

/** The oldest request of the most urgent lane. */
function takeNext(queue: QueuedOperation[]): QueuedOperation | undefined {
  let best = -1;
  queue.forEach((q, i) => {
    if (best < 0 || lanePriority(q.record.lane) < lanePriority(queue[best]!.record.lane)) best = i;
  });
  return best < 0 ? undefined : queue.splice(best, 1)[0];
}

function stopRunning(running: Running, phase: OperationPhase, reason: string, message: string): void {
  running.stop = { phase, failure: { reason, message } };
  running.scope.cancel();
}

/** Best effort: the waiter may have ended (timed out, cancelled); the record stays queryable. */
async function notify(workflowId: string, record: OperationRecord): Promise<void> {
  try {
    await getExternalWorkflowHandle(workflowId).signal(operationFinishedSignal, record);
  } catch {
    // nothing waits any more
  }
}

function newRecord(appKey: string, request: OperationRequest): OperationRecord {
  const now = new Date();
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return {
    id: `${stamp}-${request.kind.replace('.', '-')}-${uuid4().slice(0, 6)}`,
    kind: request.kind,
    appKey,
    lane: laneOf(request),
    requester: request.requester,
    requestId: request.requestId,
    summary: summarize(request),
    phase: 'Pending',
    requestedAt: now.toISOString(),
    steps: [],
  };
}

/** Restore redeploys what runs (never files edited since); everything else prefers what was sent. */
function revisionFor(request: OperationRequest, state: AppControllerState): AppRevision | undefined {
  if (request.kind === 'snapshot.restore') return state.deployed?.revision ?? request.revision;
  return request.revision ?? state.deployed?.revision;
}

async function runOperation(
  appKey: string,
  { record, request }: QueuedOperation,
  state: AppControllerState,
  running: Running,
  known: AppTarget | undefined,
): Promise<void> {
  record.phase = 'InProgress';
  record.startedAt = new Date().toISOString();
  record.workflowId = operationWorkflowId(appKey, record.id);
  const deadlineSeconds = deadlineSecondsOf(request);
  record.deadlineAt = new Date(Date.now() + deadlineSeconds * 1000).toISOString();
  const target = effectiveTarget(request, known);
  const revision = revisionFor(request, state);
  if (revision) record.revision = summarizeRevision(revision);
  if (!target) {
    record.phase = 'Failed';
    record.failure = { reason: 'NotDeployed', message: `app ${appKey} has no deployed revision to act on` };
    return;
  }
  // The request's own revision is not sent twice: the child gets the one to act on.
  const { revision: _sent, ...childRequest } = request;
  let settled: { outcome: OperationOutcome } | { error: unknown } | undefined;
  const child = running.scope
    .run(() =>
      executeChild(operationWorkflowFor(request.kind), {
        workflowId: record.workflowId,
        args: [
          {
            operationId: record.id,
            request: childRequest as OperationRequest,
            target,
            ...(revision ? { revision } : {}),
          },
        ],
        // Cancelling waits until the child has undone what must not stay half-done.
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        typedSearchAttributes: [
          { key: APP_KEY, value: appKey },
          { key: OPERATION_KIND, value: request.kind },
        ],
      }),
    )
    .then(
      (outcome) => (settled = { outcome }),
      (error: unknown) => (settled = { error }),
    );
  if (!(await condition(() => settled !== undefined, deadlineSeconds * 1000)) && !running.stop) {
    stopRunning(
      running,
      'Failed',
      'DeadlineExceeded',
      `did not finish within its deadline of ${deadlineSeconds}s`,
    );
  }
  await child;
  const result = settled!;
  record.endedAt = new Date().toISOString();
  if ('outcome' in result) {
    applyOutcome(state, record, request, target, revision, result.outcome);
    // A stop requested too late to interrupt anything: the operation did complete.
    return;
  }
  if (running.stop) {
    record.phase = running.stop.phase;
    record.failure = running.stop.failure;
    return;
  }
  record.phase = isCancellation(result.error) ? 'Cancelled' : 'Failed';
  record.failure = failureOf(result.error);
}

function applyOutcome(
  state: AppControllerState,
  record: OperationRecord,
  request: OperationRequest,
  target: AppTarget,
  revision: AppRevision | undefined,
  outcome: OperationOutcome,
): void {
  if (outcome.steps) record.steps = outcome.steps;
  if (outcome.disks) Object.assign(state.disks, outcome.disks);
  if (outcome.kept) state.kept = [...(state.kept ?? []), ...outcome.kept];
  if (outcome.released) {
    const gone = new Set(outcome.released.map(keptKey));
    state.kept = (state.kept ?? []).filter((k) => !gone.has(keptKey(k)));
  }
  if (outcome.deployed && state.deployed)
    state.deployed = {
      ...state.deployed,
      revision: outcome.deployed.revision,
      target: outcome.deployed.target,
    };
  if (outcome.figures) record.figures = outcome.figures;
  record.phase = outcome.phase ?? 'Completed';
  if (request.kind === 'app.deploy' && revision) {
    state.deployed = {
      revision,
      target,
      deployedAt: record.endedAt!,
      deployedBy: request.requester,
      operationId: record.id,
    };
  }
  if (request.kind === 'app.destroy') {
    delete state.deployed;
    delete state.placement;
  }
  if (outcome.placement) {
    state.placement = {
      clusterId: outcome.placement.clusterId ?? target.cluster.id,
      cluster: outcome.placement.cluster ?? target.cluster.name,
      ...(outcome.placement.region ? { region: outcome.placement.region } : {}),
      zone: outcome.placement.zone,
      nodeZone: outcome.placement.nodeZone,
      node: outcome.placement.node,
      since: record.endedAt!,
    };
  }
}

const keptKey = (k: KeptResource): string => `${k.kind}/${k.volume}/${k.name}`;

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
  if (isCancellation(err)) return { reason: 'Cancelled', message: 'the operation was cancelled' };
  if (err instanceof ChildWorkflowFailure && err.cause)
    return { reason: 'Internal', message: err.cause.message };
  return { reason: 'Internal', message: err instanceof Error ? err.message : String(err) };
}
