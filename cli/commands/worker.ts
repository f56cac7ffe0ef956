// `kompoxops worker`: run a worker in the foreground (production, or next to a remote Temporal).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseListen } from '../../client/codec/codec-server';
import { devDir } from '../../dev/dev-dir';
import { runWorker } from '../../workers/run-worker';
import { devClusterAccess } from '../../dev/dev-stack';
import { LOG_FORMATS, type LogFormat } from '../../workers/log-format';
import { WorkerConfigError, checkClusterRoutes, loadWorkerConfig } from '../../workers/worker-config';
import { CliError, EXIT, usageError } from '../exit-codes';
import { workerManifestsCommand } from './worker-manifests';
import type { GlobalOptions } from '../project';
import { clientDataConverter, resolveSecurity, resolveTemporalAddress } from '../temporal';

export function workerCommand(program: Command, globals: () => GlobalOptions): void {
  // --namespace has a default: the configuration file's namespace counts unless it was given.
  const namespaceGiven = () => program.getOptionValueSource('namespace') !== 'default';
  const worker = program.command('worker');
  workerManifestsCommand(worker, globals);
  worker
    .description('run a Kompox worker in the foreground until interrupted')
    .option(
      '--state-dir <dir>',
      'where the local provider keeps disks and snapshots (default: the dev directory)',
    )
    .option('--metrics-address <host:port>', 'serve Prometheus metrics at http://<host:port>/metrics')
    .option(
      '--log-format <format>',
      `log lines on stderr: ${LOG_FORMATS.join(' or ')} (default: text on a terminal, else json)`,
    )
    .option(
      '--config <file>',
      'the clusters and local roots this worker may reach (default: $KOMPOX_WORKER_CONFIG); requests for anything else are refused',
    )
    .option(
      '--webhook-listen <host:port>',
      'also receive alert webhooks here (as kompoxops webhook serve does), with --webhook-token-file',
    )
    .option('--webhook-token-file <path>', 'file holding the bearer token alert senders must present')
    .action(async (opts: Options) => {
      const configFile = opts.config ?? process.env.KOMPOX_WORKER_CONFIG;
      if (!configFile)
        throw usageError(
          'give --config <file> (or KOMPOX_WORKER_CONFIG): a worker reaches only the clusters and local roots its configuration lists; see the README',
        );
      let access;
      try {
        access = loadWorkerConfig(configFile);
        checkClusterRoutes(access);
      } catch (err) {
        if (err instanceof WorkerConfigError) throw usageError(err.message);
        throw err;
      }
      const webhook = webhookOptions(opts);
      const logFormat = logFormatOption(opts.logFormat);
      if (opts.metricsAddress && !parseListen(opts.metricsAddress))
        throw usageError(`--metrics-address "${opts.metricsAddress}" is not host:port (e.g. 0.0.0.0:9464)`);
      const temporal = access.temporal;
      // Flags, then TEMPORAL_* variables, then the file (the dev stack last).
      const address =
        globals().temporalAddress || process.env.TEMPORAL_ADDRESS || !temporal?.address
          ? resolveTemporalAddress(globals())
          : temporal.address;
      const namespace =
        (namespaceGiven() ? globals().namespace : undefined) ??
        process.env.TEMPORAL_NAMESPACE ??
        temporal?.namespace ??
        'default';
      const security = resolveSecurity(globals(), temporal);
      // The same keys a client needs: KOMPOX_CODEC_KEY(_FILE), else the dev stack's (for its server only).
      const dataConverter = clientDataConverter(address);
      const controller = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => controller.abort());
      process.stderr.write(`worker polling ${address}\n`);
      const { TemporalConnectError } = await import('../../client/connect-diagnosis');
      await runWorker({
        address,
        namespace,
        security,
        stateDir: opts.stateDir ?? devDir(),
        access,
        devCluster: devClusterAccess(opts.stateDir ?? devDir()),
        signal: controller.signal,
        dataConverter,
        ...(opts.metricsAddress ? { metricsAddress: opts.metricsAddress } : {}),
        ...(logFormat ? { logFormat } : {}),
        ...(webhook ? { webhook } : {}),
      }).catch((err: unknown) => {
        if (err instanceof TemporalConnectError)
          throw new CliError(err.message, err.failure.kind === 'refused' ? EXIT.usage : EXIT.unreachable);
        throw err;
      });
    });
}

interface Options {
  stateDir?: string;
  metricsAddress?: string;
  logFormat?: string;
  config?: string;
  webhookListen?: string;
  webhookTokenFile?: string;
}

function logFormatOption(format: string | undefined): LogFormat | undefined {
  if (format === undefined || (LOG_FORMATS as readonly string[]).includes(format)) return format as LogFormat;
  throw usageError(`--log-format "${format}" is not one of ${LOG_FORMATS.join(', ')}`);
}

/** The in-process receiver: always with a token, since it can start failovers. */
function webhookOptions(opts: Options): { host: string; port: number; bearerToken: string } | undefined {
  if (!opts.webhookListen && !opts.webhookTokenFile) return undefined;
  if (!opts.webhookListen || !opts.webhookTokenFile)
    throw usageError(
      '--webhook-listen and --webhook-token-file go together: the receiver never runs without a token',
    );
  const listen = parseListen(opts.webhookListen);
  if (!listen)
    throw usageError(`--webhook-listen ${opts.webhookListen}: expected host:port, e.g. 0.0.0.0:9095`);
  let token = '';
  try {
    token = readFileSync(opts.webhookTokenFile, 'utf8').trim();
  } catch (err) {
    throw usageError(
      `--webhook-token-file ${opts.webhookTokenFile}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  if (!token) throw usageError(`--webhook-token-file ${opts.webhookTokenFile}: the file is empty`);
  return { ...listen, bearerToken: token };
}
