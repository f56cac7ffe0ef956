// `kompoxops app render|deploy|status|destroy`. Deploy and destroy run as operations of the
// app controller; render and status only read.
import type { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes';
import { age, outputFormat, print } from '../output';
import {
  type GlobalOptions,
  appTargetOf,
  clusterTargetOf,
  loadAppContext,
  loadAppRevision,
  loadCluster,
} from '../project';
import { destinationTarget } from '../../api/migration-target';
import type { AppTarget } from '../../api/app-target';
import { runOperation } from '../run-operation';
import { renderOperation } from './op';
import { appDiffCommand } from './app-diff';
import { appMigrateCommand } from './app-migrate';
import { shortDigest } from '../../api/app-revision';
import { appControllerWorkflowId } from '../../api/ids';
import { type ControllerView, type Placement, controllerViewQuery } from '../../api/messages';
import type { KeptResource } from '../../api/migration';
import type { Requester } from '../../api/operation';
import { isControllerMissing } from '../controller-errors';
import { connectClient } from '../temporal';
import { readThroughWorker } from '../app-read';
import type { AppRuntime } from '../../activities/app-runtime';

/** What runs in the cluster (namespace, Deployment, readiness, pod, node, zone, images), and more. */
export interface AppStatus extends AppRuntime {
  appKey: string;
  appId: string;
  /** The revision the controller deployed, by whom and when; null before the first deploy. */
  deployed: { digest: string; deployedAt: string; deployedBy: string; operationId: string } | null;
  /** Where the controller last placed the app. */
  placement: Placement | null;
  appName: string;
  clusterId: string;
  volumes: {
    name: string;
    disk: { name: string; handle: string; zone: string } | null;
    /** Newest ready snapshot; its age is what a zone loss would cost now (RPO). */
    newestSnapshot: { name: string; createdAt: string; ageSeconds: number } | null;
  }[];
  /** Source disks and copied snapshots that migrations keep for a way back, until when. */
  kept: KeptResource[];
}

function renderStatus(s: AppStatus): string {
  return [
    `app:         ${s.appKey} (${s.appId})`,
    `ready:       ${s.ready ? 'yes' : 'no'}`,
    `revision:    ${s.deployed ? `${shortDigest(s.deployed.digest)} deployed ${age(s.deployed.deployedAt)} ago by ${s.deployed.deployedBy} (${s.deployed.operationId})` : 'never deployed'}`,
    `namespace:   ${s.namespace}`,
    `pod:         ${s.pod ?? '-'}${s.node ? ` on ${s.node}` : ''}${s.zone ? ` (zone ${s.zone})` : ''}`,
    `images:      ${s.images.join(', ') || '-'}`,
    ...s.problems.map((p) => `problem:     ${p}`),
    'volumes:',
    ...s.volumes.map(
      (v) =>
        `  ${v.name.padEnd(10)} ${v.disk ? `${v.disk.name} in ${v.disk.zone}  ${v.disk.handle}` : 'no assigned disk'}\n` +
        `  ${''.padEnd(10)} newest snapshot: ${v.newestSnapshot ? `${v.newestSnapshot.name}, ${age(v.newestSnapshot.createdAt)} old (RPO)` : 'none'}`,
    ),
    ...(s.kept.length
      ? [
          'kept after migrations:',
          ...s.kept.map(
            (k) =>
              `  ${k.kind} ${k.volume}/${k.name} in ${k.region}, until ${k.keepUntil} (${k.migrationId})`,
          ),
        ]
      : []),
  ].join('\n');
}

/** The app on the cluster it runs on, which a migration may have changed from the KOM's. */
function runningTarget(globals: GlobalOptions, target: AppTarget, view: ControllerView | null): AppTarget {
  const clusterId = view?.placement?.clusterId;
  if (!clusterId || clusterId === target.cluster.id) return target;
  const cluster = loadCluster(globals, clusterId);
  process.stderr.write(
    `note: ${target.appKey} runs on cluster ${cluster.name} since a migration; the KOM names cluster ${target.cluster.name}\n`,
  );
  return destinationTarget(target, { cluster: { target: clusterTargetOf(cluster), model: cluster } });
}

/** The controller's view, or null when the app has none yet or Temporal cannot be reached. */
async function controllerView(globals: GlobalOptions, appKey: string): Promise<ControllerView | null> {
  let connected;
  try {
    connected = await connectClient(globals);
  } catch (err) {
    process.stderr.write(
      `warning: no deployed revision shown: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return null;
  }
  try {
    return await connected.client.workflow
      .getHandle(appControllerWorkflowId(appKey))
      .query(controllerViewQuery);
  } catch (err) {
    if (isControllerMissing(err)) return null;
    throw err;
  } finally {
    await connected.close();
  }
}

export function requesterText(r: Requester): string {
  return r.user ? `${r.user}@${r.host ?? ''} (${r.via})` : `${r.via}${r.host ? ` ${r.host}` : ''}`;
}

export function appCommand(program: Command, globals: () => GlobalOptions): void {
  const app = program.command('app').description('deploy and inspect an app');

  app
    .command('render')
    .description('print the Kubernetes objects of the app as multi-document YAML (no cluster needed)')
    .action(async () => (await import('./app-render')).renderApp(globals()));

  app
    .command('deploy')
    .description('apply the app to its cluster on its assigned disks and wait until it runs')
    .option('--bootstrap-disks', 'create and assign a disk for every volume that has none')
    .option('--timeout <seconds>', 'how long to wait for the rollout', '600')
    .option('--no-wait', 'print the operation id and return')
    .option('-o, --output <format>', 'table, json or yaml')
    .action(async (opts: { bootstrapDisks?: boolean; timeout: string; wait: boolean; output?: string }) => {
      const format = outputFormat(opts.output);
      const timeout = Number(opts.timeout);
      if (!Number.isInteger(timeout) || timeout <= 0)
        throw new CliError(`--timeout ${opts.timeout}: give whole seconds`, EXIT.usage);
      const { target, revision } = loadAppRevision(globals());
      const record = await runOperation(
        globals(),
        {
          kind: 'app.deploy',
          target,
          revision,
          rolloutTimeoutSeconds: timeout,
          ...(opts.bootstrapDisks ? { bootstrapDisks: true } : {}),
        },
        opts.wait,
      );
      print(format, record, renderOperation);
    });

  app
    .command('destroy')
    .description('remove the app from its cluster; disks and snapshots are kept')
    .option('--delete-namespace', "also delete the app's namespace")
    .option('--no-wait', 'print the operation id and return')
    .option('-o, --output <format>', 'table, json or yaml')
    .action(async (opts: { deleteNamespace?: boolean; wait: boolean; output?: string }) => {
      const format = outputFormat(opts.output);
      const target = appTargetOf(loadAppContext(globals()));
      const record = await runOperation(
        globals(),
        { kind: 'app.destroy', target, ...(opts.deleteNamespace ? { deleteNamespace: true } : {}) },
        opts.wait,
      );
      print(format, record, renderOperation);
    });

  app
    .command('failover')
    .description(
      'bring the app back on another node of its zone after its node failed; the node must be down or fenced, since its pod there is force-deleted',
    )
    .option('--node <name>', 'the failed node (default: the node the controller last placed the app on)')
    .option('--no-wait', 'print the operation id and return')
    .option('-o, --output <format>', 'table, json or yaml')
    .action(async (opts: { node?: string; wait: boolean; output?: string }) => {
      const format = outputFormat(opts.output);
      const target = appTargetOf(loadAppContext(globals()));
      const node = opts.node ?? (await controllerView(globals(), target.appKey))?.placement?.node;
      if (!node)
        throw new CliError(
          `app ${target.appKey} has no known node to fail over from; name it with --node`,
          EXIT.usage,
        );
      const record = await runOperation(
        globals(),
        { kind: 'app.failover', target, node, preempt: true },
        opts.wait,
      );
      print(format, record, renderOperation);
    });

  appDiffCommand(app, globals);
  appMigrateCommand(app, globals);

  app
    .command('status')
    .description('is the app running, where, and on which disks')
    .option('-o, --output <format>', 'table, json or yaml')
    .action(async (opts: { output?: string }) => {
      const format = outputFormat(opts.output);
      const context = loadAppContext(globals());
      const view = await controllerView(globals(), appTargetOf(context).appKey);
      const target = runningTarget(globals(), appTargetOf(context), view);
      const read = await readThroughWorker(globals(), { target, disks: {}, snapshots: {}, runtime: true });
      const disks = read.disks ?? [];
      const snapshots = read.snapshots ?? [];
      const runtime = read.runtime!;
      const now = Date.now();
      const status: AppStatus = {
        appKey: target.appKey,
        appId: target.appId,
        deployed: view?.deployed
          ? {
              digest: view.deployed.revision.digest,
              deployedAt: view.deployed.deployedAt,
              deployedBy: requesterText(view.deployed.deployedBy),
              operationId: view.deployed.operationId,
            }
          : null,
        placement: view?.placement ?? null,
        appName: target.appName,
        clusterId: target.cluster.id,
        ...runtime,
        volumes: target.volumes.map((v) => {
          const d = disks.find((x) => x.volumeName === v.name && x.assigned);
          // The RPO of the app's own region: its off-region copies (copyToRegion) do not count.
          const copyRegion = target.snapshots?.copyToRegion;
          const newest = snapshots
            .filter((x) => x.volumeName === v.name && x.ready && (!copyRegion || x.region !== copyRegion))
            .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
          return {
            name: v.name,
            disk: d ? { name: d.name, handle: d.handle, zone: d.zone } : null,
            newestSnapshot: newest
              ? {
                  name: newest.name,
                  createdAt: newest.createdAt,
                  ageSeconds: Math.round((now - Date.parse(newest.createdAt)) / 1000),
                }
              : null,
          };
        }),
        kept: view?.kept ?? [],
      };
      print(format, status, renderStatus);
      if (!status.ready && format === 'table')
        process.stderr.write('the app is not ready (kompoxops app deploy to deploy it)\n');
    });
}
