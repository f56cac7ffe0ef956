// Entry point of the worker process the dev stack starts in the background.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseListen } from '../client/codec/codec-server';
import { loadDataConverter } from '../client/codec/data-converter';
import { devDir } from '../dev/dev-dir';
import { devClusterAccess } from '../dev/dev-stack';
import { runWorker } from './run-worker';
import { checkClusterRoutes, loadWorkerConfig } from './worker-config';

async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address)
    throw new Error(
      'TEMPORAL_ADDRESS is not set; start the worker with `kompoxops dev up` or `kompoxops worker`',
    );
  const dir = devDir();
  // The dev stack passes KOMPOX_CODEC_KEY_FILE (its codec.key) unless the user set keys.
  const dataConverter = loadDataConverter({ devDir: dir });
  const codecListen = process.env.KOMPOX_CODEC_SERVER_ADDRESS
    ? parseListen(process.env.KOMPOX_CODEC_SERVER_ADDRESS)
    : undefined;
  const configFile = process.env.KOMPOX_WORKER_CONFIG;
  if (!configFile)
    throw new Error('KOMPOX_WORKER_CONFIG is not set; the dev stack writes worker-config.yml and sets it');
  const access = loadWorkerConfig(configFile);
  checkClusterRoutes(access);
  const webhookListen = process.env.KOMPOX_WEBHOOK_ADDRESS
    ? parseListen(process.env.KOMPOX_WEBHOOK_ADDRESS)
    : undefined;
  const webhookTokenFile = process.env.KOMPOX_WEBHOOK_TOKEN_FILE;
  const controller = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => controller.abort());
  await runWorker({
    address,
    stateDir: dir,
    access,
    devCluster: devClusterAccess(dir),
    readyFile: join(dir, 'worker.ready'),
    signal: controller.signal,
    dataConverter,
    ...(process.env.KOMPOX_METRICS_ADDRESS ? { metricsAddress: process.env.KOMPOX_METRICS_ADDRESS } : {}),
    // Its stderr is worker.log: JSON lines unless KOMPOX_LOG_FORMAT=text.
    ...(process.env.KOMPOX_LOG_FORMAT === 'text' ? { logFormat: 'text' as const } : {}),
    ...(webhookListen && webhookTokenFile
      ? { webhook: { ...webhookListen, bearerToken: readFileSync(webhookTokenFile, 'utf8').trim() } }
      : {}),
    ...(codecListen
      ? {
          codecServer: {
            ...codecListen,
            corsOrigins: (process.env.KOMPOX_CODEC_SERVER_CORS ?? '').split(',').filter(Boolean),
          },
        }
      : {}),
  });
}

main().catch((err: unknown) => {
  console.error(
    err instanceof Error && (err.name === 'CodecKeyError' || err.name === 'WorkerConfigError')
      ? err.message
      : err,
  );
  process.exit(1);
});
