// `kompoxops disk list|create|assign|delete`: the disks of an app volume. Mutations go through
// the app controller; `list` reads the provider, where the truth (tags) lives.
import type { Command } from 'commander';
import { parseDiskSource } from '../../drivers/source';
import type { AppTarget } from '../../api/app-target';
import type { DiskView } from '../../api/messages';
import type { OperationRecord } from '../../api/operation';
import { usageError } from '../exit-codes';
import { age, bytes, outputFormat, print, table } from '../output';
import { type GlobalOptions, loadAppTarget } from '../project';
import { runOperation } from '../run-operation';
import { requireVolume } from '../volume-option';
import { readThroughWorker } from '../app-read';
import { CliError, EXIT } from '../exit-codes';

interface DiskOptions {
  volume?: string;
  name?: string;
  source?: string;
  zone?: string;
  bootstrap?: boolean;
  wait?: boolean;
  output?: string;
}

const DISK_COLUMNS = [
  { header: 'NAME', value: (d: DiskView) => d.name },
  { header: 'VOLUME', value: (d: DiskView) => d.volumeName },
  { header: 'ASSIGNED', value: (d: DiskView) => (d.assigned ? 'yes' : '') },
  { header: 'SIZE', value: (d: DiskView) => bytes(d.size) },
  { header: 'ZONE', value: (d: DiskView) => d.zone },
  { header: 'AGE', value: (d: DiskView) => age(d.createdAt) },
  { header: 'HANDLE', value: (d: DiskView) => d.handle },
];

/** A zone the provider does not know is bad input: refuse it before any operation starts. */
async function checkZone(
  globals: GlobalOptions,
  target: AppTarget,
  zone: string | undefined,
  flag: string,
): Promise<void> {
  if (!zone) return;
  try {
    await readThroughWorker(globals, { target, zone });
  } catch (err) {
    if (err instanceof CliError && err.exitCode === EXIT.usage) throw usageError(`${flag}: ${err.message}`);
    throw err;
  }
}

/** The app's disks as the worker reads them from the provider. */
export async function listDisks(
  globals: GlobalOptions,
  target: AppTarget,
  volume?: string,
): Promise<DiskView[]> {
  return (await readThroughWorker(globals, { target, disks: volume ? { volume } : {} })).disks ?? [];
}

function operationOutput(
  format: ReturnType<typeof outputFormat>,
  record: OperationRecord,
  disks: DiskView[],
): void {
  print(format, { operation: record, disks }, ({ operation }) =>
    [`operation ${operation.id} ${operation.phase}`, table(disks, DISK_COLUMNS)].join('\n'),
  );
}

export function diskCommand(program: Command, globals: () => GlobalOptions): void {
  const disk = program.command('disk').description('disks of an app volume');
  const common = (c: Command) =>
    c.option('-V, --volume <volume>', 'app volume').option('-o, --output <format>', 'table, json or yaml');

  common(disk.command('list').description('disks of a volume (all volumes without -V), newest first')).action(
    async (opts: DiskOptions) => {
      const format = outputFormat(opts.output);
      const target = loadAppTarget(globals());
      const volume = opts.volume ? requireVolume(target, opts.volume) : undefined;
      const disks = await listDisks(globals(), target, volume);
      print(format, disks, (rows) =>
        rows.length
          ? table(rows, DISK_COLUMNS)
          : `no disks for ${target.appName}${volume ? ` volume ${volume}` : ''}`,
      );
    },
  );

  common(disk.command('create').description('create a disk (empty, or from snapshot:<name> / disk:<name>)'))
    .option('-N, --name <name>', 'disk name (default: generated)')
    .option('-S, --source <source>', 'snapshot:<name> or disk:<name>')
    .option('-Z, --zone <zone>', 'zone (default: the app deployment zone)')
    .option('--bootstrap', 'create and assign one disk for every volume that has no assigned disk')
    .option('--no-wait', 'print the operation id and return')
    .action(async (opts: DiskOptions) => {
      const format = outputFormat(opts.output);
      const target = loadAppTarget(globals());
      if (opts.bootstrap) {
        if (opts.volume || opts.name || opts.source)
          throw usageError('--bootstrap takes no -V, -N or -S: it covers every volume');
        const record = await runOperation(globals(), { kind: 'disk.bootstrap', target }, opts.wait !== false);
        if (record.phase === 'Completed') operationOutput(format, record, await listDisks(globals(), target));
        else printRecordOnly(format, record);
        return;
      }
      const volume = requireVolume(target, opts.volume);
      try {
        parseDiskSource(opts.source);
      } catch (err) {
        throw usageError(`-S ${opts.source}: ${err instanceof Error ? err.message : String(err)}`);
      }
      await checkZone(
        globals(),
        target,
        opts.zone ?? target.deploymentZone,
        opts.zone ? '-Z' : `spec.deployment.zone of ${target.appId}`,
      );
      const record = await runOperation(
        globals(),
        {
          kind: 'disk.create',
          target,
          volume,
          ...(opts.name ? { name: opts.name } : {}),
          ...(opts.source ? { source: opts.source } : {}),
          ...(opts.zone ? { zone: opts.zone } : {}),
        },
        opts.wait !== false,
      );
      if (record.phase === 'Completed')
        operationOutput(format, record, await listDisks(globals(), target, volume));
      else printRecordOnly(format, record);
    });

  const byName = (name: 'assign' | 'delete', description: string) =>
    common(disk.command(name).description(description))
      .requiredOption('-N, --name <name>', 'disk name')
      .option('--no-wait', 'print the operation id and return')
      .action(async (opts: DiskOptions) => {
        const format = outputFormat(opts.output);
        const target = loadAppTarget(globals());
        const volume = requireVolume(target, opts.volume);
        const record = await runOperation(
          globals(),
          { kind: name === 'assign' ? 'disk.assign' : 'disk.delete', target, volume, name: opts.name! },
          opts.wait !== false,
        );
        if (record.phase === 'Completed')
          operationOutput(format, record, await listDisks(globals(), target, volume));
        else printRecordOnly(format, record);
      });
  byName('assign', 'make a disk the one the app uses (takes effect at the next deploy)');
  byName('delete', 'delete a disk (never the assigned one)');
}

function printRecordOnly(format: ReturnType<typeof outputFormat>, record: OperationRecord): void {
  print(format, record, (r) =>
    r.phase === 'Pending' || r.phase === 'InProgress'
      ? `operation ${r.id} accepted; follow it with: kompoxops op watch ${r.id}`
      : `operation ${r.id} ${r.phase}${r.failure ? `: ${r.failure.reason}: ${r.failure.message}` : ''}`,
  );
}
