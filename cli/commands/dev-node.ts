// `kompoxops dev node fail|recover`: kill a simulated node the way a real one dies (kubelet
// silent → Ready Unknown → unreachable taint → eviction), or bring it back.
import type { Command } from 'commander';
import { devDir } from '../../dev/dev-dir';
import { devClusterKubeconfig } from '../../dev/dev-stack';
import { CliError, EXIT, usageError } from '../exit-codes';
import { outputFormat, print } from '../output';

const MODES = ['notready', 'unreachable'] as const;
type Mode = (typeof MODES)[number];

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
  const node = dev.command('node').description('simulate node failures on the dev cluster');

  node
    .command('fail <node>')
    .description('make a node fail: notready (kubelet reports NotReady) or unreachable (kubelet goes silent)')
    .option('--mode <mode>', 'notready or unreachable', 'unreachable')
    .option('--wait', 'wait until the node shows the failure')
    .option('-o, --output <format>', 'table, json or yaml')
    .action(async (name: string, opts: { mode: string; wait?: boolean; output?: string }) => {
      const format = outputFormat(opts.output);
      if (!MODES.includes(opts.mode as Mode))
        throw usageError(`--mode ${opts.mode}: use notready or unreachable`);
      const { failNode } = await import('../../dev/cluster');
      const health = await failNode(
        await kubeconfig(),
        name,
        opts.mode as Mode,
        opts.wait ? { waitMs: 120_000 } : {},
      );
      print(
        format,
        { node: name, mode: opts.mode, health: health ?? null },
        (r) => `node ${r.node} failing (${r.mode})`,
      );
    });

  node
    .command('recover <node>')
    .description('bring a failed node back')
    .option('--wait', 'wait until the node is Ready')
    .option('-o, --output <format>', 'table, json or yaml')
    .action(async (name: string, opts: { wait?: boolean; output?: string }) => {
      const format = outputFormat(opts.output);
      const { recoverNode } = await import('../../dev/cluster');
      const result = await recoverNode(await kubeconfig(), name, opts.wait ? { waitMs: 120_000 } : {});
      print(format, { node: name, health: result.health ?? null }, (r) => `node ${r.node} recovering`);
    });
}
