// `kompoxops op list|show|watch`: the operations of an app, from its controller's queries.
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import type { AppTarget } from '../../api/app-target';
import { appControllerWorkflowId } from '../../api/ids';
import { controllerViewQuery, operationQuery } from '../../api/messages';
import type { OperationRecord } from '../../api/operation';
import { CliError, EXIT } from '../exit-codes';
import { age, outputFormat, print, table } from '../output';
import { type GlobalOptions, loadAppTarget } from '../project';
import { OperationNotFoundError, cancelOperation, watchOperation } from '../../client/submit-operation';
import { withLiveSteps } from '../../client/live-steps';
import { connectClient } from '../temporal';
import { isControllerMissing } from '../controller-errors';

function renderOne(op: OperationRecord): string {
  const lines = [
    `operation:  ${op.id}`,
    `kind:       ${op.kind}   ${op.summary}`,
    `lane:       ${op.lane}`,
    `phase:      ${op.phase}`,
    `requested:  ${op.requestedAt} by ${op.requester.via}${op.requester.user ? ` (${op.requester.user}@${op.requester.host ?? ''})` : ''}`,
  ];
  if (op.deadlineAt && !op.endedAt) lines.push(`deadline:   ${op.deadlineAt}`);
  if (op.revision) lines.push(`revision:   ${op.revision.digest}`);
  if (op.failure) lines.push(`failure:    ${op.failure.reason}: ${op.failure.message}`);
  if (op.figures)
    lines.push(
      `figures:    ${Object.entries(op.figures)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
  if (op.steps.length) {
    lines.push('steps:');
    lines.push(
      table(op.steps, [
        { header: '  STEP', value: (s) => `  ${s.name}` },
        { header: 'PHASE', value: (s) => s.phase },
        {
          header: 'DURATION',
          value: (s) =>
            s.endedAt ? `${((Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000).toFixed(1)}s` : '',
        },
        { header: 'DETAIL', value: (s) => s.detail },
      ]),
    );
  }
  return lines.join('\n');
}

/** Loads the app, connects to Temporal, runs `fn`, and always closes the connection. */
async function withAppClient<T>(
  globals: GlobalOptions,
  fn: (client: Client, target: AppTarget) => Promise<T>,
): Promise<T> {
  const target = loadAppTarget(globals);
  const { client, close } = await connectClient(globals);
  try {
    return await fn(client, target);
  } finally {
    await close();
  }
}

export function opCommand(program: Command, globals: () => GlobalOptions): void {
  const op = program.command('op').description("show, follow and cancel an app's operations");

  op.command('list')
    .description('operations of the app, newest first (running and queued included)')
    .option('-o, --output <format>', 'table, json or yaml')
    .action(async (opts: { output?: string }) => {
      const format = outputFormat(opts.output);
      await withAppClient(globals(), async (client, target) => {
        const handle = client.workflow.getHandle(appControllerWorkflowId(target.appKey));
        let ops: OperationRecord[] = [];
        try {
          const view = await handle.query(controllerViewQuery);
          ops = [
            ...view.queued.slice().reverse(),
            ...(view.currentOperation ? [view.currentOperation] : []),
            ...view.recentOperations,
          ];
        } catch (err) {
          if (!isControllerMissing(err)) throw err;
        }
        print(format, ops, (rows) =>
          rows.length === 0
            ? `no operations yet for ${target.appKey}`
            : table(rows, [
                { header: 'ID', value: (o) => o.id },
                { header: 'KIND', value: (o) => o.kind },
                { header: 'PHASE', value: (o) => o.phase },
                { header: 'AGE', value: (o) => age(o.requestedAt) },
                { header: 'BY', value: (o) => o.requester.via },
                {
                  header: 'SUMMARY',
                  value: (o) => (o.failure ? `${o.summary} — ${o.failure.reason}` : o.summary),
                },
              ]),
        );
      });
    });

  op.command('show <operation>')
    .description('one operation with its steps')
    .option('-o, --output <format>', 'table, json or yaml')
    .action(async (id: string, opts: { output?: string }) => {
      const format = outputFormat(opts.output);
      await withAppClient(globals(), async (client, target) => {
        const record = await client.workflow
          .getHandle(appControllerWorkflowId(target.appKey))
          .query(operationQuery, id);
        if (!record)
          throw new CliError(
            `app ${target.appKey} has no operation "${id}" (see kompoxops op list)`,
            EXIT.usage,
          );
        print(format, await withLiveSteps(client, record), renderOne);
      });
    });

  op.command('watch <operation>')
    .description('follow an operation until it ends; exits 1 if it did not complete')
    .option('-o, --output <format>', 'table, json or yaml')
    .action(async (id: string, opts: { output?: string }) => {
      const format = outputFormat(opts.output);
      await withAppClient(globals(), async (client, target) => {
        const record = await watchOperation(client, target.appKey, id, {
          onStep: (l) => process.stderr.write(`${l}\n`),
        }).catch((err: unknown) => {
          if (err instanceof OperationNotFoundError) {
            throw new CliError(`${err.message} (see kompoxops op list)`, EXIT.usage);
          }
          throw err;
        });
        print(format, record, renderOne);
        if (record.phase !== 'Completed') process.exitCode = EXIT.failed;
      });
    });

  cancelCommand(op, globals);
}

function cancelCommand(op: Command, globals: () => GlobalOptions): void {
  op.command('cancel <operation>')
    .description(
      'cancel a queued or running operation; a running one first undoes what must not stay half-done (a stopped app is scaled back)',
    )
    .option('--reason <text>', 'why, recorded with the operation', '')
    .option('-o, --output <format>', 'table, json or yaml')
    .action(async (id: string, opts: { reason: string; output?: string }) => {
      const format = outputFormat(opts.output);
      await withAppClient(globals(), async (client, target) => {
        const record = await cancelOperation(client, target.appKey, id, opts.reason).catch((err: unknown) => {
          if (err instanceof OperationNotFoundError) {
            throw new CliError(`${err.message} (see kompoxops op list)`, EXIT.usage);
          }
          throw err;
        });
        print(format, record, renderOne);
        if (record.phase !== 'Cancelled') {
          process.stderr.write(
            `operation ${record.id} ended ${record.phase}: it had ended, or was past the point where it can be undone (a move's cut-over), when the cancel came; nothing was undone\n`,
          );
          process.exitCode = EXIT.failed;
        }
      });
    });
}

export { renderOne as renderOperation, cancelCommand };
