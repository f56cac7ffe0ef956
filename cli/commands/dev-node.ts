// `kompoxops dev node fail|recover`: make a dev cluster node fail the way nodes really fail, or bring
// it back. A kwok node can go NotReady or silent; a real node can lose its kubelet (unreachable:
// containers keep running, as in a partition) or lose power (every process and container stops).
import type { Command } from 'commander';
import { devDir } from '../../dev/dev-dir';
import { devClusterDir, devClusterKubeconfig } from '../../dev/dev-stack';
import { CliError, EXIT, usageError } from '../exit-codes';
import { outputFormat, print } from '../output';

const KWOK_MODES = ['notready', 'unreachable'] as const;
const REAL_MODES = ['unreachable', 'poweroff'] as const;

async function kubeconfig(): Promise<string> {
  const path = await devClusterKubeconfig(devDir());
  if (!path)
    throw new CliError(
      'the dev cluster is not running: start it with `kompoxops dev up --cluster`',
      EXIT.unreachable,
    );
  return path;
}

export function devNodeCommand(dev: Command): void {
  const node = dev.command('node').description('make dev cluster nodes fail and recover');

  node
    .command('fail <node>')
    .description(
      'make a node fail. kwok nodes: notready (kubelet reports NotReady) or unreachable (kubelet silent). Real nodes: unreachable (kubelet killed, containers keep running) or poweroff (everything stops)',
    )
    .option('--mode <mode>', 'notready, unreachable or poweroff', 'unreachable')
    .option('--wait', 'wait until the node shows the failure')
    .option('-o, --output <format>', 'table, json or yaml')
    .action(async (name: string, opts: { mode: string; wait?: boolean; output?: string }) => {
      const format = outputFormat(opts.output);
      const path = await kubeconfig();
      const cluster = await import('../../dev/cluster');
      const info = cluster.readClusterInfo(devClusterDir(devDir()));
      const real = info && cluster.findRealNode(info, name);
      const modes: readonly string[] = real ? REAL_MODES : KWOK_MODES;
      if (!modes.includes(opts.mode))
        throw usageError(
          `--mode ${opts.mode}: node ${name} is a ${real ? 'real' : 'kwok'} node; use ${modes.join(' or ')}`,
        );
      let result: { health?: unknown; warning?: string } = {};
      if (info && real) {
        await cluster.failRealNodeOf(info, real, opts.mode as (typeof REAL_MODES)[number]);
        if (opts.wait)
          result.health = await cluster.waitForNodeReady(cluster.loadKubeConfig({ path }), name, 'Unknown', {
            timeoutMs: 120_000,
          });
      } else {
        result = await cluster.failNode(
          path,
          name,
          opts.mode as (typeof KWOK_MODES)[number],
          opts.wait ? { waitMs: 120_000 } : {},
        );
      }
      if (result.warning) process.stderr.write(`warning: ${result.warning}\n`);
      print(
        format,
        { node: name, kind: real ? 'real' : 'kwok', mode: opts.mode, health: result.health ?? null },
        (r) => `node ${r.node} failing (${r.mode})`,
      );
    });

  node
    .command('recover <node>')
    .description('bring a failed node back (a real node boots again and is waited for)')
    .option('--wait', 'wait until the node is Ready')
    .option('-o, --output <format>', 'table, json or yaml')
    .action(async (name: string, opts: { wait?: boolean; output?: string }) => {
      const format = outputFormat(opts.output);
      const path = await kubeconfig();
      const cluster = await import('../../dev/cluster');
      const info = cluster.readClusterInfo(devClusterDir(devDir()));
      const real = info && cluster.findRealNode(info, name);
      let health: unknown = null;
      if (info && real) {
        const kc = cluster.loadKubeConfig({ path });
        await cluster.recoverRealNodeOf(info, real, kc, 120_000);
        health = await cluster.readNodeHealth(kc, name);
      } else {
        health = (await cluster.recoverNode(path, name, opts.wait ? { waitMs: 120_000 } : {})).health ?? null;
      }
      print(format, { node: name, kind: real ? 'real' : 'kwok', health }, (r) => `node ${r.node} recovering`);
    });
}
