// Entry point of the worker process the dev stack starts in the background.
import { join } from 'node:path';
import { devDir } from './dev-dir';
import { runWorker } from './run-worker';

async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address)
    throw new Error(
      'TEMPORAL_ADDRESS is not set; start the worker with `kompoxops dev up` or `kompoxops worker`',
    );
  const dir = devDir();
  const controller = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => controller.abort());
  await runWorker({
    address,
    stateDir: dir,
    readyFile: join(dir, 'worker.ready'),
    signal: controller.signal,
    ...(process.env.KOMPOX_METRICS_ADDRESS ? { metricsAddress: process.env.KOMPOX_METRICS_ADDRESS } : {}),
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
