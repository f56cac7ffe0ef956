// Records workflow histories for the replay test: runs every kind of operation on a real dev
// stack with the local control plane and writes each workflow's history as JSON next to this
// file. Re-record when a workflow change is meant to be incompatible (and say so in the
// commit), never to silence a replay failure.
//   node dist/test/histories/record.js [operations|failover|migration]   (default: all)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type NewRequest,
  cancelOperation,
  localRequester,
  submitOperation,
  watchOperation,
} from '../../client/submit-operation';
import { repoRoot } from '../../workers/repo-root';
import { temporalCliPath } from '../../dev/temporal-cli';
import { APP_CONTROLLER_WORKFLOW, TASK_QUEUE, appControllerWorkflowId } from '../../api/ids';
import type { Lane, OperationRecord } from '../../api/operation';
import type { appController } from '../../workflows/app-controller';
import { localAppTarget } from '../helpers/app-target';
import { kompoxopsJson, wikiProject } from '../helpers/deploy-project';
import { type TestStack, startTestStack } from '../helpers/dev-stack';
import { reportAlert } from '../../client/report-alert';
import { failoverSlotsWorkflowId, incidentViewQuery } from '../../api/incident';
import { readOperation } from '../../client/live-steps';

interface ScheduleView {
  recentRuns: { workflowId: string }[];
}

async function main(): Promise<void> {
  const stack = await startTestStack({ cluster: true });
  const out = join(repoRoot(), 'test', 'histories');
  // The Temporal CLI writes the canonical proto JSON that historyFromJSON reads back.
  const cli = temporalCliPath();
  const save = (workflowId: string, file: string, runId?: string) => {
    const json = execFileSync(cli, [
      'workflow',
      'show',
      '--address',
      stack.address,
      '-w',
      workflowId,
      ...(runId ? ['-r', runId] : []),
      '--output',
      'json',
      // Saved decoded: the stack's key dies with it, and the replay test has no key.
      ...(stack.codecServerUrl ? ['--codec-endpoint', stack.codecServerUrl] : []),
    ]);
    writeFileSync(join(out, file), json);
    process.stderr.write(`recorded ${file}\n`);
  };
  const only = process.argv[2];
  try {
    if (!only || only === 'operations') await recordOperations(stack, save);
    if (!only || only === 'failover') await recordFailover(stack, save);
    if (!only || only === 'migration') await recordMigration(stack, save);
  } finally {
    await stack.stop();
  }
}

type Save = (workflowId: string, file: string, runId?: string) => void;

async function recordOperations(stack: TestStack, save: Save): Promise<void> {
  // Disk operations, driven like the CLI does.
  const target = localAppTarget({ app: 'recorded', volumes: ['db', 'files'] });
  const records: OperationRecord[] = [];
  const run = async (req: Parameters<typeof submitOperation>[1]) => {
    const accepted = await submitOperation(stack.client, req);
    records.push(await watchOperation(stack.client, target.appKey, accepted.id));
  };
  await run({ kind: 'disk.bootstrap', target });
  await run({ kind: 'disk.create', target, volume: 'db', name: 'db-two', zone: 'local-1b' });
  await run({ kind: 'disk.assign', target, volume: 'db', name: 'db-two' });
  await run({ kind: 'disk.create', target, volume: 'db', source: 'snapshot:missing' });
  save(appControllerWorkflowId(target.appKey), 'app-controller.json');
  for (const r of records) save(r.workflowId!, `${r.kind.replace('.', '-')}-${r.phase.toLowerCase()}.json`);

  // Lanes: a cancelled, a preempted and a timed-out operation, and the controller's hand-over
  // to a new run (continue-as-new) with all of them in its state.
  const lanes = localAppTarget({ app: 'lanes' });
  const test = localRequester('test');
  const controllerId = appControllerWorkflowId(lanes.appKey);
  const first = await stack.client.workflow.start<typeof appController>(APP_CONTROLLER_WORKFLOW, {
    workflowId: controllerId,
    taskQueue: TASK_QUEUE,
    args: [{ appKey: lanes.appKey, maxHistoryEvents: 120 }],
  });
  const hold = (lane: Lane, seconds: number, extra: Partial<NewRequest> = {}) =>
    submitOperation(
      stack.client,
      { kind: 'test.hold', target: lanes, lane, seconds, ...extra } as NewRequest,
      {
        requester: test,
      },
    );
  const started = async (id: string) => {
    for (let i = 0; i < 300; i++) {
      const r = await readOperation(stack.client, lanes.appKey, id);
      if (r?.phase === 'InProgress' && r.steps.length > 0) return;
      await sleep(100);
    }
    throw new Error(`operation ${id} never started`);
  };
  const cancelled = await hold('maintenance', 600);
  await started(cancelled.id);
  await cancelOperation(stack.client, lanes.appKey, cancelled.id, 'recorded', test);
  const preempted = await hold('maintenance', 600);
  await started(preempted.id);
  const urgent = await hold('failover', 0, { preempt: true });
  await watchOperation(stack.client, lanes.appKey, urgent.id);
  const late = await hold('maintenance', 600, { deadlineSeconds: 1 });
  const laneRecords = [
    await watchOperation(stack.client, lanes.appKey, cancelled.id),
    await watchOperation(stack.client, lanes.appKey, preempted.id),
    await watchOperation(stack.client, lanes.appKey, late.id),
  ];
  for (
    let i = 0;
    (await stack.client.workflow.getHandle(controllerId).describe()).runId === first.firstExecutionRunId;
    i++
  ) {
    if (i > 200) throw new Error('the controller never continued as new');
    await watchOperation(stack.client, lanes.appKey, (await hold('maintenance', 0)).id);
  }
  save(controllerId, 'app-controller-lanes-continued.json', first.firstExecutionRunId);
  for (const r of laneRecords)
    save(r.workflowId!, `test-hold-${(r.failure?.reason ?? r.phase).toLowerCase()}.json`);

  // Deploy, snapshot, restore and a scheduled snapshot of the wiki example through kompoxops.
  const project = wikiProject('replayed');
  await kompoxopsJson(stack, project.dir, 'app', 'deploy', '--bootstrap-disks');
  await kompoxopsJson(stack, project.dir, 'snapshot', 'create');
  const snaps = await kompoxopsJson<{ name: string }[]>(stack, project.dir, 'snapshot', 'list', '-V', 'db');
  await kompoxopsJson(stack, project.dir, 'snapshot', 'restore', '-V', 'db', '-N', snaps[0]!.name);
  await kompoxopsJson(stack, project.dir, 'schedule', 'apply');
  await kompoxopsJson(stack, project.dir, 'schedule', 'trigger');
  let view: ScheduleView = { recentRuns: [] };
  for (let i = 0; i < 120 && view.recentRuns.length === 0; i++) {
    await sleep(500);
    view = await kompoxopsJson<ScheduleView>(stack, project.dir, 'schedule', 'show');
  }
  const scheduled = view.recentRuns[0]?.workflowId;
  if (!scheduled) throw new Error('the triggered schedule never ran');
  await stack.client.workflow.getHandle(scheduled).result();
  await kompoxopsJson(stack, project.dir, 'schedule', 'delete');
  const ops = await kompoxopsJson<OperationRecord[]>(stack, project.dir, 'op', 'list');
  for (const r of ops) {
    if (r.kind.startsWith('app.') || r.kind.startsWith('snapshot.')) {
      save(r.workflowId!, `${r.kind.replace('.', '-')}-${r.requester.via}-${r.phase.toLowerCase()}.json`);
    }
  }
  save(scheduled, 'scheduled-snapshot.json');
}

/**
 * A node incident on a kwok node (unreachable: its kubelet silent) and the failover it hands the
 * wiki's controller; the node comes back, so the incident's history is complete.
 */
async function recordFailover(stack: TestStack, save: Save): Promise<void> {
  const project = wikiProject('failedover');
  const kom = join(project.dir, 'kompoxapp.yml');
  writeFileSync(kom, readFileSync(kom, 'utf8').replace('verifyGraceSeconds: 30', 'verifyGraceSeconds: 3'));
  await kompoxopsJson(stack, project.dir, 'app', 'deploy', '--bootstrap-disks');
  const status = await kompoxopsJson<{ node: string; appKey: string }>(stack, project.dir, 'app', 'status');
  await kompoxopsJson(stack, project.dir, 'dev', 'node', 'fail', status.node, '--mode', 'unreachable');
  const reported = await reportAlert(stack.client, {
    source: 'alertmanager',
    dedupeKey: 'recorded@1',
    status: 'firing',
    cluster: 'dev',
    node: status.node,
    receivedAt: new Date().toISOString(),
  });
  if (reported.result !== 'incident') throw new Error(`the alert was ignored: ${reported.reason}`);
  const incident = stack.client.workflow.getHandle(reported.incidentId);
  for (let i = 0; (await incident.query(incidentViewQuery)).phase !== 'AwaitingNode'; i++) {
    if (i > 600) throw new Error('the failover never ended');
    await sleep(200);
  }
  await kompoxopsJson(stack, project.dir, 'dev', 'node', 'recover', status.node);
  await incident.result();
  const failover = (await kompoxopsJson<OperationRecord[]>(stack, project.dir, 'op', 'list')).find(
    (o) => o.kind === 'app.failover',
  );
  if (!failover) throw new Error('no failover ran');
  save(failover.workflowId!, `app-failover-webhook-${failover.phase.toLowerCase()}.json`);
  save(reported.incidentId, 'node-incident-resolved.json');
  save(appControllerWorkflowId(status.appKey), 'app-controller-failover.json');
  save(failoverSlotsWorkflowId('dev'), 'failover-slots.json');
}

/** A live zone move of the wiki, and the prune the controller runs when its keep window ends. */
async function recordMigration(stack: TestStack, save: Save): Promise<void> {
  const project = wikiProject('migrated');
  await kompoxopsJson(stack, project.dir, 'app', 'deploy', '--bootstrap-disks');
  const moved = await kompoxopsJson<OperationRecord>(
    stack,
    project.dir,
    'app',
    'migrate',
    '--zone',
    'local-1b',
    '--keep-source',
    '5s',
  );
  if (moved.phase !== 'Completed') throw new Error(`the migration ended ${moved.phase}`);
  let prune: OperationRecord | undefined;
  for (let i = 0; !prune || prune.phase !== 'Completed'; i++) {
    if (i > 300) throw new Error('the controller never pruned what the migration kept');
    await sleep(200);
    prune = (await kompoxopsJson<OperationRecord[]>(stack, project.dir, 'op', 'list')).find(
      (o) => o.kind === 'kept.prune',
    );
  }
  save(moved.workflowId!, 'app-migrate-cli-completed.json');
  save(prune.workflowId!, 'kept-prune-controller-completed.json');
  save(appControllerWorkflowId(project.appKey), 'app-controller-migration.json');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
