// `kompoxops op list|show|watch`: the operations of an app, from its controller's queries.
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import type { AppTarget } from '../../workflows/app-target';
import { appControllerWorkflowId } from '../../workflows/ids';
import { controllerViewQuery, operationQuery } from '../../workflows/messages';
import type { OperationRecord } from '../../workflows/operation';
import { CliError, EXIT } from '../exit-codes';
import { age, outputFormat, print, table } from '../output';
import { type GlobalOptions, loadAppTarget } from '../project';
import { OperationNotFoundError, watchOperation } from '../../client/submit-operation';
import { connectClient } from '../temporal';
import { isControllerMissing } from '../controller-errors';

function renderOne(op: OperationRecord): string {
  const lines = [
    `operation:  ${op.id}`,
    `kind:       ${op.kind}   ${op.summary}`,
    `phase:      ${op.phase}`,
    `requested:  ${op.requestedAt} by ${op.requester.via}${op.requester.user ? ` (${op.requester.user}@${op.requester.host ?? ''})` : ''}`,
  ];
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
  const op = program.command('op').description("show an app's operations");

  op.command('list')
    .description('operations of the app, newest first (running and queued included)')
    .option('-o, --output <format>', 'table, json or yaml')
    .action(async (opts: { output?: string }) => {
      const format = outputFormat(opts.output);
      await withAppClient(globals(), async (client, target) => {
        const handle = client.workflow.getHandle(appControllerWorkflowId(target.appId));
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
            ? `no operations yet for ${target.appId}`
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
          .getHandle(appControllerWorkflowId(target.appId))
          .query(operationQuery, id);
        if (!record)
          throw new CliError(
            `app ${target.appId} has no operation "${id}" (see kompoxops op list)`,
            EXIT.usage,
          );
        print(format, record, renderOne);
      });
    });

  op.command('watch <operation>')
    .description('follow an operation until it ends; exits 1 if it did not complete')
    .option('-o, --output <format>', 'table, json or yaml')
    .action(async (id: string, opts: { output?: string }) => {
      const format = outputFormat(opts.output);
      await withAppClient(globals(), async (client, target) => {
        const record = await watchOperation(client, target.appId, id, {
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
}

export { renderOne as renderOperation };
