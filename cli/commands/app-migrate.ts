// `kompoxops app migrate`: move the app to another zone, region or cluster. The worker plans
// the move first (every refusal happens there, before anything changes); `--dry-run` prints
// that plan, otherwise the move runs as an operation in the controller's migrate lane.
import type { Command } from 'commander';
import { appControllerWorkflowId } from '../../api/ids';
import { deployedRevisionQuery } from '../../api/messages';
import type { MigrationDestination, MigrationPlan, MigrationSource } from '../../api/migration';
import { AppReadError, readApp } from '../../client/app-read';
import { parseDuration } from '../../kom/duration';
import { isControllerMissing } from '../controller-errors';
import { CliError, EXIT, usageError } from '../exit-codes';
import { outputFormat, print } from '../output';
import { type GlobalOptions, appTargetOf, clusterTargetOf, loadAppContext, loadCluster } from '../project';
import { runOperation } from '../run-operation';
import { connectClient } from '../temporal';
import { renderOperation } from './op';

interface MigrateOptions {
  zone?: string;
  region?: string;
  cluster?: string;
  from: string;
  keepSource: string;
  dryRun?: boolean;
  wait: boolean;
  output?: string;
}

/** Plan refusals are about what the user asked for: exit 2, as for any invalid input. */
const REFUSALS = ['InvalidArgument', 'NoSnapshot', 'NotConfigured'];

export function appMigrateCommand(app: Command, globals: () => GlobalOptions): void {
  app
    .command('migrate')
    .description(
      'move the app to another zone, region or cluster on new disks made from snapshots (stopped and snapshotted first, or from the newest snapshots); the source disks are kept for a way back',
    )
    .option('--zone <zone>', 'the zone to move to')
    .option('--region <region>', 'the region to move to (snapshots are copied there)')
    .option('--cluster <name>', 'the KOM Cluster (of the same Provider) to move to')
    .option(
      '--from <source>',
      'live (stop, snapshot, RPO 0) or latest-snapshot (when the source zone is down)',
      'live',
    )
    .option('--keep-source <duration>', 'how long to keep the source disks and copied snapshots', '7d')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--no-wait', 'print the operation id and return')
    .option('-o, --output <format>', 'table, json or yaml')
    .action(async (opts: MigrateOptions) => {
      const format = outputFormat(opts.output);
      if (!opts.zone && !opts.region && !opts.cluster)
        throw usageError('name where to move the app: --zone, --region or --cluster');
      const from = sourceOf(opts.from);
      const keepSourceSeconds = keepSecondsOf(opts.keepSource);
      const target = appTargetOf(loadAppContext(globals()));
      const cluster = opts.cluster ? loadCluster(globals(), opts.cluster) : undefined;
      if (cluster && cluster.providerId !== target.provider.id)
        throw usageError(
          `--cluster ${opts.cluster}: Cluster ${cluster.id} belongs to ${cluster.providerId}, not to the app's Provider ${target.provider.id}; a move stays with the provider of the app's disks`,
        );
      const to: MigrationDestination = {
        ...(opts.zone ? { zone: opts.zone } : {}),
        ...(opts.region ? { region: opts.region } : {}),
        ...(cluster
          ? {
              cluster: {
                target: clusterTargetOf(cluster),
                model: cluster,
              },
            }
          : {}),
      };

      const { client, close } = await connectClient(globals());
      let plan: MigrationPlan;
      try {
        // The move starts where the app runs, which after an earlier move may not be the KOM's Cluster.
        const deployed = await client.workflow
          .getHandle(appControllerWorkflowId(target.appKey))
          .query(deployedRevisionQuery)
          .catch((err: unknown) => {
            if (isControllerMissing(err)) return null;
            throw err;
          });
        if (!deployed)
          throw new CliError(`app ${target.appKey} is not deployed: there is nothing to migrate`, EXIT.usage);
        // Where it runs is the controller's to say; how to reach the provider, the project's.
        const source =
          deployed.target.provider.id === target.provider.id
            ? { ...deployed.target, provider: target.provider }
            : deployed.target;
        const read = await readApp(client, {
          target: source,
          migrationPlan: { to, from, keepSourceSeconds },
        }).catch((err: unknown) => {
          if (err instanceof AppReadError)
            throw new CliError(
              `cannot migrate ${target.appKey}: ${err.reason}: ${err.message}`,
              REFUSALS.includes(err.reason) ? EXIT.usage : EXIT.failed,
            );
          throw err;
        });
        plan = read.migrationPlan!;
      } finally {
        await close();
      }
      if (opts.dryRun) {
        print(format, plan, renderPlan);
        return;
      }
      const record = await runOperation(
        globals(),
        { kind: 'app.migrate', target, to, from, keepSourceSeconds },
        opts.wait,
      );
      print(format, record, renderOperation);
    });
}

function sourceOf(text: string): MigrationSource {
  if (text === 'live') return 'live';
  if (text === 'latest-snapshot') return 'latestSnapshot';
  throw usageError(`--from ${text}: give live or latest-snapshot`);
}

function keepSecondsOf(text: string): number {
  try {
    return Math.round(parseDuration(text) / 1000);
  } catch (err) {
    throw usageError(`--keep-source: ${(err as Error).message}`);
  }
}

function renderPlan(plan: MigrationPlan): string {
  const at = (p: MigrationPlan['from']) => `cluster ${p.cluster}, region ${p.region}, zone ${p.zone}`;
  return [
    `from:          ${at(plan.from)}`,
    `to:            ${at(plan.to)}`,
    `source:        ${plan.reattach ? 'the disks themselves (zone-redundant: the app stops and starts in the zone)' : plan.source === 'live' ? 'live (the app stops, then every volume is snapshotted)' : 'the newest ready snapshots'}`,
    `expected RPO:  ${plan.expectedRpoSeconds}s`,
    plan.reattach
      ? 'keep source:   nothing to keep: the same disks move'
      : `keep source:   until ${plan.keepUntil}`,
    'volumes:',
    ...(plan.reattach ?? []).map(
      (v) => `  ${v.volume.padEnd(10)} disk ${v.disk} (zone-redundant) → attached in ${plan.to.zone}`,
    ),
    ...plan.volumes.map(
      (v) =>
        `  ${v.volume.padEnd(10)} disk ${v.disk} → snapshot ${v.snapshot.take ? `${v.snapshot.name} (new)` : `${v.snapshot.name} of ${v.snapshot.createdAt}`} in ${v.snapshot.region}` +
        `${v.copyTo ? ` → copy to ${v.copyTo}` : ''} → new disk in ${plan.to.zone}`,
    ),
    'steps:',
    ...plan.steps.map((s, i) => `  ${i + 1}. ${s}`),
  ].join('\n');
}
