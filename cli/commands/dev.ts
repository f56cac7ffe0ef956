// `kompoxops dev up|down|status`: the embedded stack (Temporal dev server with its UI and
// state in SQLite, or with --server postgres the Temporal server on a PostgreSQL of its own; a
// worker running this checkout) in the background.
import type { Command } from 'commander';
import { devDir } from '../../dev/dev-dir';
import {
  type DevStackStatus,
  type ExtraClusterOptions,
  devStackDown,
  devStackStatusWithCluster,
  devStackUp,
} from '../../dev/dev-stack';
import { CliError, usageError } from '../exit-codes';
import { outputFormat, print } from '../output';
import { devNodeCommand } from './dev-node';
import { DEFAULT_LAYOUT, regionOfZone } from '../../dev/cluster/nodes';
import { isDnsLabel } from '../../kom/resource-id';

function render(s: DevStackStatus): string {
  const lines = [
    `dev directory:  ${s.devDir}`,
    `temporal:       ${s.temporal.running ? `running (pid ${s.temporal.pid}) at ${s.temporalAddress}` : 'stopped'}${s.server === 'postgres' ? ' (server on PostgreSQL)' : ''}`,
    ...(s.postgres
      ? [
          `postgresql:     ${s.postgres.running ? `running (pid ${s.postgres.pid})` : 'stopped'}, data in ${s.postgres.dataDir}`,
        ]
      : []),
    `web ui:         ${s.uiUrl ?? '-'}`,
    `worker:         ${s.worker.running ? `running (pid ${s.worker.pid})` : 'stopped'}`,
    `metrics:        ${s.metricsUrl ?? '-'}`,
    `codec server:   ${s.codecServerUrl ?? '-'}`,
    `alert webhook:  ${s.webhookUrl ? `${s.webhookUrl}/v1/alerts/{alertmanager,azure,sns,gcp} (bearer token in ${s.webhookTokenFile})` : '-'}`,
    `codec key:      ${s.codecKeyFile}`,
    `worker config:  ${s.workerConfig.file}`,
    ...s.workerConfig.routing.map((r) => `  ${r}`),
  ];
  if (s.kubeconfig) lines.push(`kubeconfig:     ${s.kubeconfig}`);
  if (s.realNodes) lines.push(`real nodes:     ${s.realNodes.join(', ')} (node pool "real")`);
  for (const c of s.extraClusters ?? []) {
    const zones = c.zones?.map((z) => `${z.zone} (${z.region})`).join(', ');
    lines.push(
      `extra cluster:  ${c.name} ${c.state}${c.kubeconfig ? `, kubeconfig ${c.kubeconfig}` : ''}${zones ? `, zones ${zones}` : ''}`,
    );
  }
  return lines.join('\n');
}

const progress = (message: string) => process.stderr.write(`${message}\n`);

const ZONE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * `--zones` and `--region` of `dev up`. A local zone (`local-<n><letter>`) is in region
 * `local-<n>`, so local zones may span regions; other zones name one region, as a cloud's do
 * (`us-east-1a` → `us-east-1`), or `--region` gives it. `region` is that of the other zones, else
 * the first zone's.
 */
export function zoneLayout(
  zonesText: string,
  regionText?: string,
  what = `--zones ${zonesText}`,
): { zones: string[]; region: string } {
  const zones = zonesText
    .split(',')
    .map((z) => z.trim())
    .filter((z) => z !== '');
  const bad = zones.find((z) => !ZONE.test(z));
  if (zones.length === 0 || bad !== undefined)
    throw usageError(`${what}: give zone names (lowercase letters, digits, -) separated by commas`);
  if (new Set(zones).size !== zones.length) throw usageError(`${what}: a zone is named twice`);
  const ownRegion = (z: string): string | undefined => regionOfZone(z, '') || undefined;
  const others = zones.filter((z) => ownRegion(z) === undefined);
  const region = regionText ?? (others[0] ? others[0].replace(/[a-z]$/, '') : ownRegion(zones[0]!)!);
  if (!ZONE.test(region))
    throw usageError(
      regionText === undefined
        ? `${what}: the zones name no region (us-east-1a is in us-east-1); give --region`
        : `--region ${region}: give a region name (lowercase letters, digits, -)`,
    );
  const named = zones.find((z) => ownRegion(z) !== undefined && ownRegion(z) !== region);
  if (regionText !== undefined && named !== undefined)
    throw usageError(
      `--region ${regionText}: zone ${named} is in region ${ownRegion(named)} by its name; leave out --region`,
    );
  if (regionText === undefined && others.some((z) => z.replace(/[a-z]$/, '') !== region || z === region))
    throw usageError(
      `${what}: the zones do not share a region name followed by a letter (us-east-1a, us-east-1b); give --region`,
    );
  return { zones, region };
}

/** One `--extra-cluster NAME[=ZONE,ZONE,...]`; zones as in `--zones`, default the first cluster's. */
export function extraClusterOption(text: string): ExtraClusterOptions {
  const eq = text.indexOf('=');
  const name = (eq < 0 ? text : text.slice(0, eq)).trim();
  if (!isDnsLabel(name))
    throw usageError(
      `--extra-cluster ${text}: give NAME or NAME=ZONE,ZONE,... with NAME a DNS label (lowercase letters, digits, -), the name of the KOM Clusters it runs`,
    );
  if (eq < 0) return { name };
  return { name, ...zoneLayout(text.slice(eq + 1), undefined, `--extra-cluster ${text}`) };
}

export function devCommand(program: Command): void {
  const dev = program
    .command('dev')
    .description('run the embedded Temporal dev server and worker on this machine');

  dev
    .command('up')
    .description('start the dev stack (idempotent)')
    .option(
      '--cluster',
      'also run a local Kubernetes control plane (etcd, apiserver, controller-manager, scheduler, kwok nodes in three zones)',
    )
    .option(
      '--real-nodes <n>',
      'also run n real nodes (kubelet + containerd, in node pool "real") beside the kwok nodes; implies --cluster and needs root',
    )
    .option(
      '--real-node-zones <list>',
      "zones the real nodes are spread over in turn, comma-separated (default: the kwok nodes' zones); e.g. local-1a for two nodes a failover can move between",
    )
    .option(
      '--zones <list>',
      "the kwok nodes' zones, comma-separated, e.g. a cloud's us-east-1a,us-east-1b (default local-1a,local-1b,local-1c); a local zone local-<n><letter> is in region local-<n>, so local-1a,local-1b,local-2a spans two regions; implies --cluster",
    )
    .option(
      '--region <name>',
      'the region of zones not named local-<n><letter> (default: their common name without the last letter)',
    )
    .option(
      '--extra-cluster <name[=zones]>',
      "also run another cluster NAME (its own control plane and kwok nodes, no real nodes or CSI) in the comma-separated zones (default: the first cluster's); the worker routes KOM Clusters named NAME to it; repeatable; implies --cluster",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--server <kind>',
      'the Temporal server: dev (the dev server, state in SQLite, with the Web UI) or postgres (the Temporal server on a PostgreSQL 15 of the dev directory, as production runs it; no Web UI); default dev, or what the running stack runs',
    )
    .option('-o, --output <format>', 'table, json or yaml')
    .action(
      async (opts: {
        output?: string;
        server?: string;
        cluster?: boolean;
        realNodes?: string;
        realNodeZones?: string;
        zones?: string;
        region?: string;
        extraCluster?: string[];
      }) => {
        const format = outputFormat(opts.output);
        if (opts.server !== undefined && opts.server !== 'dev' && opts.server !== 'postgres')
          throw usageError(`--server ${opts.server}: give dev or postgres`);
        const layout = opts.zones === undefined ? undefined : zoneLayout(opts.zones, opts.region);
        const extraClusters = (opts.extraCluster ?? []).map(extraClusterOption);
        const twice = extraClusters.find((c, i) => extraClusters.findIndex((d) => d.name === c.name) !== i);
        if (twice) throw usageError(`--extra-cluster: "${twice.name}" is named twice`);
        if (opts.region !== undefined && layout === undefined) throw usageError('--region needs --zones');
        const realNodes = opts.realNodes === undefined ? 0 : Number(opts.realNodes);
        if (!Number.isInteger(realNodes) || realNodes < 0 || realNodes > 20)
          throw usageError(`--real-nodes ${opts.realNodes}: give a whole number from 0 to 20`);
        const realNodeZones = opts.realNodeZones?.split(',').map((z) => z.trim());
        if (realNodeZones !== undefined && (realNodes === 0 || realNodeZones.some((z) => !z)))
          throw usageError(
            `--real-node-zones ${opts.realNodeZones}: give zone names, comma-separated, with --real-nodes`,
          );
        const known = layout?.zones ?? DEFAULT_LAYOUT.zones;
        const unknown = realNodeZones?.find((z) => !known.includes(z));
        if (unknown)
          throw usageError(
            `--real-node-zones: "${unknown}" is not one of the cluster's zones (${known.join(', ')})`,
          );
        // Start-up failures already say what failed and how (log tails included): one message, no stack.
        const status = await devStackUp(devDir(), {
          progress,
          ...(opts.server ? { server: opts.server } : {}),
          ...(opts.cluster ? { cluster: true } : {}),
          ...(realNodes > 0 ? { realNodes } : {}),
          ...(realNodeZones ? { realNodeZones } : {}),
          ...(layout ? { cluster: true, zones: layout.zones, region: layout.region } : {}),
          ...(extraClusters.length > 0 ? { cluster: true, extraClusters } : {}),
        }).catch((err: unknown) => {
          throw new CliError(err instanceof Error ? err.message : String(err));
        });
        print(format, status, render);
      },
    );

  dev
    .command('down')
    .description('stop exactly the processes `dev up` started')
    .option('-o, --output <format>', 'table, json or yaml')
    .action(async (opts: { output?: string }) => {
      const format = outputFormat(opts.output);
      const status = await devStackDown(devDir(), progress);
      print(format, status, render);
    });

  dev
    .command('status')
    .description('show what runs')
    .option('-o, --output <format>', 'table, json or yaml')
    .action(async (opts: { output?: string }) => {
      print(outputFormat(opts.output), await devStackStatusWithCluster(devDir()), render);
    });

  devNodeCommand(dev);
}
