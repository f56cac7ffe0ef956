// One Temporal Schedule per app makes its KOM `spec.snapshots.schedule` happen: `apply` makes
// the Schedule match the KOM (create, update, delete or nothing), and the rest are the knobs
// an operator needs (show, pause, resume, trigger, delete).
import { type Client, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { createHash } from 'node:crypto';
import type { AppTarget } from '../api/app-target';
import { SCHEDULED_SNAPSHOT_WORKFLOW, TASK_QUEUE } from '../api/ids';
import type { ScheduledSnapshotInput } from '../workflows/scheduled-snapshot';
import { APP_KEY } from '../api/search-attributes';
import { catchupWindowFor, toScheduleSpec } from '../workflows/snapshot-policy';

export function snapshotScheduleId(appKey: string): string {
  return `kompox-snapshots:${appKey}`;
}

export type ApplyResult = 'created' | 'updated' | 'unchanged' | 'deleted' | 'absent';

/** Everything the Schedule is made from; equal hashes mean nothing to change. */
function desired(target: AppTarget) {
  const schedule = target.snapshots?.schedule;
  if (!schedule) return undefined;
  const timeZone = target.snapshots?.timeZone ?? 'UTC';
  const spec = toScheduleSpec(schedule, timeZone);
  const catchupWindow = catchupWindowFor(schedule);
  const hash = createHash('sha256')
    .update(JSON.stringify({ spec, catchupWindow, appKey: target.appKey }))
    .digest('hex')
    .slice(0, 16);
  return {
    spec,
    catchupWindow,
    hash,
    text: schedule.kind === 'cron' ? schedule.expression : schedule.text,
    timeZone,
  };
}

async function existingHash(client: Client, scheduleId: string): Promise<string | undefined | null> {
  try {
    const d = await client.schedule.getHandle(scheduleId).describe();
    const memo = d.action.type === 'startWorkflow' ? d.action.memo : undefined;
    return (memo?.kompoxScheduleHash as string | undefined) ?? '';
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
}

export async function applySnapshotSchedule(
  client: Client,
  target: AppTarget,
): Promise<{ scheduleId: string; result: ApplyResult }> {
  const scheduleId = snapshotScheduleId(target.appKey);
  const want = desired(target);
  const have = await existingHash(client, scheduleId);
  if (!want) {
    if (have === null) return { scheduleId, result: 'absent' };
    await client.schedule.getHandle(scheduleId).delete();
    return { scheduleId, result: 'deleted' };
  }
  if (have === want.hash) return { scheduleId, result: 'unchanged' };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: SCHEDULED_SNAPSHOT_WORKFLOW,
    taskQueue: TASK_QUEUE,
    // Only the app key: each run snapshots the app as its controller last deployed it.
    args: [{ appKey: target.appKey }] as [ScheduledSnapshotInput],
    memo: { kompoxScheduleHash: want.hash, kompoxSchedule: want.text, kompoxTimeZone: want.timeZone },
    typedSearchAttributes: [{ key: APP_KEY, value: target.appKey }],
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: want.catchupWindow };
  if (have === null) {
    await client.schedule.create({
      scheduleId,
      spec: want.spec,
      action,
      policies,
      memo: { kompoxAppKey: target.appKey },
    });
    return { scheduleId, result: 'created' };
  }
  await client.schedule
    .getHandle(scheduleId)
    .update((prev) => ({ ...prev, spec: want.spec, action, policies: { ...prev.policies, ...policies } }));
  return { scheduleId, result: 'updated' };
}

export interface ScheduleView {
  scheduleId: string;
  schedule: string;
  timeZone: string;
  paused: boolean;
  note?: string;
  nextRuns: string[];
  recentRuns: { scheduledAt: string; startedAt: string; workflowId: string }[];
  runningWorkflows: string[];
}

export async function describeSnapshotSchedule(
  client: Client,
  appKey: string,
): Promise<ScheduleView | undefined> {
  const scheduleId = snapshotScheduleId(appKey);
  try {
    const d = await client.schedule.getHandle(scheduleId).describe();
    const memo = d.action.type === 'startWorkflow' ? d.action.memo : undefined;
    return {
      scheduleId,
      schedule: String(memo?.kompoxSchedule ?? ''),
      timeZone: String(memo?.kompoxTimeZone ?? 'UTC'),
      paused: d.state.paused,
      ...(d.state.note ? { note: d.state.note } : {}),
      nextRuns: d.info.nextActionTimes.slice(0, 5).map((t) => t.toISOString()),
      recentRuns: d.info.recentActions.slice(-10).map((a) => ({
        scheduledAt: a.scheduledAt.toISOString(),
        startedAt: a.takenAt.toISOString(),
        workflowId: a.action.type === 'startWorkflow' ? a.action.workflow.workflowId : '',
      })),
      runningWorkflows: d.info.runningActions.map((a) => a.workflow.workflowId),
    };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}
