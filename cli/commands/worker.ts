// `kompoxops worker`: run a worker in the foreground (production, or next to a remote Temporal).
import type { Command } from 'commander';
import { devDir } from '../../workers/dev-dir';
import { runWorker } from '../../workers/run-worker';
import type { GlobalOptions } from '../project';
import { clientDataConverter, resolveTemporalAddress } from '../temporal';

export function workerCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('worker')
    .description('run a Kompox worker in the foreground until interrupted')
    .option(
      '--state-dir <dir>',
      'where the local provider keeps disks and snapshots (default: the dev directory)',
    )
    .option('--metrics-address <host:port>', 'serve Prometheus metrics at http://<host:port>/metrics')
    .action(async (opts: { stateDir?: string; metricsAddress?: string }) => {
      const address = resolveTemporalAddress(globals());
      // The same keys a client needs: KOMPOX_CODEC_KEY(_FILE), else the dev stack's (for its server only).
      const dataConverter = clientDataConverter(address);
      const controller = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => controller.abort());
      process.stderr.write(`worker polling ${address}\n`);
      await runWorker({
        address,
        namespace: globals().namespace ?? 'default',
        stateDir: opts.stateDir ?? devDir(),
        signal: controller.signal,
        dataConverter,
        ...(opts.metricsAddress ? { metricsAddress: opts.metricsAddress } : {}),
      });
    });
}
