// `kompoxops schedule apply|show|pause|resume|trigger|delete`: the app's snapshot Schedule.
import { ScheduleNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import {
  applySnapshotSchedule,
  describeSnapshotSchedule,
  snapshotScheduleId,
} from '../../client/snapshot-schedule';
import { CliError, EXIT } from '../exit-codes';
import { age, outputFormat, print } from '../output';
import { type GlobalOptions, loadAppTarget } from '../project';
import { connectClient } from '../temporal';
import type { AppTarget } from '../../api/app-target';
import { canonicalJson } from '../app-revision';
import { appControllerWorkflowId } from '../../api/ids';
import { deployedRevisionQuery } from '../../api/messages';

type Format = ReturnType<typeof outputFormat>;

/** What a scheduled run takes from the deployed revision (the timing is the Schedule's own). */
const policyInForce = (p: AppTarget['snapshots']) => ({
  consistency: p?.consistency ?? 'crash',
  hook: p?.hook ?? null,
  retention: p?.retention ?? null,
  copyToRegion: p?.copyToRegion ?? null,
});

async function withClient<T>(
  globals: GlobalOptions,
  fn: (client: Awaited<ReturnType<typeof connectClient>>['client']) => Promise<T>,
): Promise<T> {
  const { client, close } = await connectClient(globals);
  try {
    return await fn(client);
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) {
      throw new CliError(
        'this app has no snapshot schedule: add spec.snapshots.schedule to its KOM and run kompoxops schedule apply',
        EXIT.usage,
      );
    }
    throw err;
  } finally {
    await close();
  }
}

export function scheduleCommand(program: Command, globals: () => GlobalOptions): void {
  const schedule = program
    .command('schedule')
    .description("the app's snapshot schedule (a Temporal Schedule made from spec.snapshots)");
  const out = (c: Command) => c.option('-o, --output <format>', 'table, json or yaml');

  out(
    schedule
      .command('apply')
      .description('make the Schedule match the KOM: create, update or delete it (idempotent)'),
  ).action(async (opts: { output?: string }) => {
    const format = outputFormat(opts.output);
    const target = loadAppTarget(globals());
    const result = await withClient(globals(), async (client) => {
      const applied = await applySnapshotSchedule(client, target);
      // Runs act on the deployed revision: a policy edited since the deploy is not in force yet.
      const deployed = await client.workflow
        .getHandle(appControllerWorkflowId(target.appKey))
        .query(deployedRevisionQuery)
        .catch(() => null);
      if (
        deployed &&
        canonicalJson(policyInForce(deployed.target.snapshots)) !==
          canonicalJson(policyInForce(target.snapshots))
      )
        process.stderr.write(
          'warning: spec.snapshots (consistency, hook, retention or copyToRegion) differs from the deployed revision; scheduled runs use the deployed one until kompoxops app deploy\n',
        );
      return applied;
    });
    print(format, result, (r) => `schedule ${r.scheduleId} ${r.result}`);
  });

  out(
    schedule.command('show').description('the schedule, whether it is paused, and its next and recent runs'),
  ).action(async (opts: { output?: string }) => {
    const format: Format = outputFormat(opts.output);
    const target = loadAppTarget(globals());
    const view = await withClient(globals(), (client) => describeSnapshotSchedule(client, target.appKey));
    if (!view)
      throw new CliError(
        `${target.appId} has no snapshot schedule (kompoxops schedule apply creates it from spec.snapshots.schedule)`,
        EXIT.failed,
      );
    print(format, view, (v) =>
      [
        `schedule:   ${v.scheduleId}`,
        `when:       ${v.schedule} (${v.timeZone})`,
        `paused:     ${v.paused ? `yes${v.note ? ` (${v.note})` : ''}` : 'no'}`,
        `next runs:  ${v.nextRuns.join(', ') || '-'}`,
        `recent:     ${v.recentRuns.map((r) => `${r.scheduledAt} (${age(r.startedAt)} ago)`).join(', ') || '-'}`,
        `running:    ${v.runningWorkflows.join(', ') || '-'}`,
      ].join('\n'),
    );
  });

  const simple = (
    name: string,
    description: string,
    act: (
      h: ReturnType<Awaited<ReturnType<typeof connectClient>>['client']['schedule']['getHandle']>,
      note: string,
    ) => Promise<void>,
  ) =>
    out(schedule.command(name).description(description))
      .option('--note <text>', 'why (shown by schedule show)')
      .action(async (opts: { output?: string; note?: string }) => {
        const format = outputFormat(opts.output);
        const target = loadAppTarget(globals());
        const scheduleId = snapshotScheduleId(target.appKey);
        await withClient(globals(), async (client) => {
          const handle = client.schedule.getHandle(scheduleId);
          await handle.describe(); // a clear "no schedule" instead of a bare RPC error
          await act(handle, opts.note ?? `${name} by kompoxops`);
        });
        print(format, { scheduleId, action: name }, (r) => `schedule ${r.scheduleId}: ${r.action} done`);
      });

  simple('pause', 'stop taking scheduled snapshots until resumed', (h, note) => h.pause(note));
  simple('resume', 'take scheduled snapshots again', (h, note) => h.unpause(note));
  simple('trigger', 'take a snapshot now through the schedule (skipped if one is running)', (h) =>
    h.trigger(),
  );
  simple('delete', 'delete the Schedule (snapshots are kept; apply recreates it)', (h) => h.delete());
}
