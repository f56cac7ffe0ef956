// `kompoxops snapshot list|create|delete|restore`: snapshots of an app's volumes. Mutations go
// through the app controller; `list` reads the provider.
import type { Command } from 'commander';
import type { SnapshotView } from '../../activities/snapshot-view';
import type { AppTarget } from '../../api/app-target';
import type { OperationRecord } from '../../api/operation';
import { usageError } from '../exit-codes';
import { age, bytes, outputFormat, print, table } from '../output';
import { type GlobalOptions, loadAppTarget } from '../project';
import { runOperation } from '../run-operation';
import { optionalVolume, requireVolume } from '../volume-option';
import { readThroughWorker } from '../app-read';
import { renderOperation } from './op';

interface SnapshotOptions {
  volume?: string;
  name?: string;
  wait: boolean;
  output?: string;
}

const COLUMNS = [
  { header: 'NAME', value: (s: SnapshotView) => s.name },
  { header: 'VOLUME', value: (s: SnapshotView) => s.volumeName },
  { header: 'READY', value: (s: SnapshotView) => (s.ready ? 'yes' : s.state) },
  { header: 'SIZE', value: (s: SnapshotView) => bytes(s.size) },
  { header: 'AGE', value: (s: SnapshotView) => age(s.createdAt) },
  { header: 'FROM DISK', value: (s: SnapshotView) => s.sourceDisk },
  { header: 'REGION', value: (s: SnapshotView) => s.region ?? '' },
];

export async function listSnapshots(
  globals: GlobalOptions,
  target: AppTarget,
  volume?: string,
): Promise<SnapshotView[]> {
  return (await readThroughWorker(globals, { target, snapshots: volume ? { volume } : {} })).snapshots ?? [];
}

function printOutcome(format: ReturnType<typeof outputFormat>, record: OperationRecord): void {
  print(format, record, renderOperation);
}

export function snapshotCommand(program: Command, globals: () => GlobalOptions): void {
  const snapshot = program.command('snapshot').description('snapshots of an app volume');
  const common = (c: Command) =>
    c.option('-V, --volume <volume>', 'app volume').option('-o, --output <format>', 'table, json or yaml');

  common(
    snapshot.command('list').description('snapshots of a volume (all volumes without -V), newest first'),
  ).action(async (opts: SnapshotOptions) => {
    const format = outputFormat(opts.output);
    const target = loadAppTarget(globals());
    const volume = optionalVolume(target, opts.volume);
    const snaps = await listSnapshots(globals(), target, volume);
    print(format, snaps, (rows) =>
      rows.length
        ? table(rows, COLUMNS)
        : `no snapshots for ${target.appName}${volume ? ` volume ${volume}` : ''}`,
    );
  });

  common(
    snapshot.command('create').description('snapshot one volume (-V) or all volumes, then apply retention'),
  )
    .option('-N, --name <name>', 'snapshot name (with -V; default derived from the operation)')
    .option('--no-wait', 'print the operation id and return')
    .action(async (opts: SnapshotOptions) => {
      const format = outputFormat(opts.output);
      const target = loadAppTarget(globals());
      const volume = optionalVolume(target, opts.volume);
      if (opts.name && !volume) throw usageError('-N needs -V: a snapshot name belongs to one volume');
      const record = await runOperation(
        globals(),
        {
          kind: 'snapshot.create',
          target,
          ...(volume ? { volume } : {}),
          ...(opts.name ? { name: opts.name } : {}),
        },
        opts.wait,
      );
      printOutcome(format, record);
    });

  common(snapshot.command('delete').description('delete a snapshot (never the newest ready one of a volume)'))
    .requiredOption('-N, --name <name>', 'snapshot name')
    .option('--no-wait', 'print the operation id and return')
    .action(async (opts: SnapshotOptions) => {
      const format = outputFormat(opts.output);
      const target = loadAppTarget(globals());
      const volume = requireVolume(target, opts.volume);
      const record = await runOperation(
        globals(),
        { kind: 'snapshot.delete', target, volume, name: opts.name! },
        opts.wait,
      );
      printOutcome(format, record);
    });

  common(
    snapshot
      .command('restore')
      .description(
        "create a disk from a snapshot in the volume's zone, assign it and redeploy; the old disk is kept",
      ),
  )
    .requiredOption('-N, --name <name>', 'snapshot name')
    .option('--no-wait', 'print the operation id and return')
    .action(async (opts: SnapshotOptions) => {
      const format = outputFormat(opts.output);
      const target = loadAppTarget(globals());
      const volume = requireVolume(target, opts.volume);
      // A snapshot of another volume or app is refused here, before any operation starts.
      const own = await listSnapshots(globals(), target, volume);
      if (!own.some((s) => s.name === opts.name)) {
        const elsewhere = (await listSnapshots(globals(), target))
          .filter((s) => s.name === opts.name)
          .map((s) => s.volumeName);
        throw usageError(
          elsewhere.length
            ? `snapshot "${opts.name}" belongs to volume ${elsewhere.map((v) => `"${v}"`).join(', ')}, not "${volume}": a volume is restored only from its own snapshots`
            : `"${opts.name}" is not a snapshot of volume "${volume}" of app ${target.appId} (see kompoxops snapshot list -V ${volume})`,
        );
      }
      const record = await runOperation(
        globals(),
        { kind: 'snapshot.restore', target, volume, name: opts.name! },
        opts.wait,
      );
      printOutcome(format, record);
    });
}
