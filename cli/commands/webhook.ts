// `kompoxops webhook serve`: the alert webhook receiver in the foreground. Monitoring systems
// post alerts to it; it authenticates and normalises them and hands them to the incident
// workflows. Secrets come from files, never from the command line, where `ps` would show them.
// The receiver and its parsers load only when the command runs.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError, EXIT, usageError } from '../exit-codes';
import type { GlobalOptions } from '../project';

const DESCRIPTION =
  'receive monitoring alerts (Alertmanager, Azure Monitor, SNS, Google Cloud) that start node failovers';

const ENV = {
  listen: 'KOMPOX_WEBHOOK_LISTEN',
  tokenFile: 'KOMPOX_WEBHOOK_TOKEN_FILE',
  basicAuthFile: 'KOMPOX_WEBHOOK_BASIC_AUTH_FILE',
  mappingFile: 'KOMPOX_WEBHOOK_MAPPING_FILE',
} as const;

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;

interface ServeOptions {
  listen?: string;
  tokenFile?: string;
  basicAuthFile?: string;
  allowUnauthenticatedLoopback?: boolean;
  maxBodyBytes?: string;
  snsTopicArn: string[];
  mappingFile?: string;
  cluster?: string;
  maxConcurrentFailovers?: string;
  zoneOutagePercent?: string;
}

/** A whole number in [min, max] from a flag, or a usage error naming it. */
function wholeNumber(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw usageError(`${flag} ${value}: expected a whole number from ${min} to ${max}`);
  return n;
}

/** A file's content without surrounding white space; a usage error when unreadable or empty. */
function readSecretFile(path: string, flag: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw usageError(`${flag} ${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (!text) throw usageError(`${flag} ${path}: the file is empty`);
  return text;
}

export function webhookCommand(program: Command, globals: () => GlobalOptions): void {
  const webhook = program.command('webhook').description(DESCRIPTION);
  webhook
    .command('serve')
    .description('run the alert webhook receiver in the foreground until interrupted')
    .option('--listen <host:port>', `address to listen on (default: $${ENV.listen}, else 127.0.0.1:9095)`)
    .option(
      '--token-file <path>',
      `file holding the bearer token senders must present (or $${ENV.tokenFile})`,
    )
    .option(
      '--basic-auth-file <path>',
      `file holding user:password for basic auth, the only kind SNS can send (or $${ENV.basicAuthFile})`,
    )
    .option('--allow-unauthenticated-loopback', 'accept alerts without credentials (loopback addresses only)')
    .option('--max-body-bytes <n>', 'refuse larger request bodies with 413 (default: 1048576)')
    .option(
      '--sns-topic-arn <arn>',
      'SNS topic whose messages are accepted (repeatable); without one, SNS messages are refused',
      (v: string, prev: string[]) => [...prev, v],
      [],
    )
    .option(
      '--mapping-file <path>',
      `YAML file naming the labels that carry cluster, node, instanceId, app and zone, per source (or $${ENV.mappingFile})`,
    )
    .option('--cluster <name>', 'the cluster of alerts that name none')
    .option('--max-concurrent-failovers <n>', 'storm guard: app failovers at once per cluster (default 3)')
    .option(
      '--zone-outage-percent <p>',
      "storm guard: above this share of a zone's nodes down together, no failover runs: it is a zone outage (default 50)",
    )
    .action(async (opts: ServeOptions) => {
      const { isLoopback, parseListen } = await import('../../client/codec/codec-server');
      const listenText = opts.listen ?? process.env[ENV.listen] ?? '127.0.0.1:9095';
      const listen = parseListen(listenText);
      if (!listen) throw usageError(`--listen ${listenText}: expected host:port, e.g. 127.0.0.1:9095`);

      const tokenFile = opts.tokenFile ?? process.env[ENV.tokenFile];
      const basicAuthFile = opts.basicAuthFile ?? process.env[ENV.basicAuthFile];
      const bearerToken = tokenFile ? readSecretFile(tokenFile, '--token-file') : undefined;
      const { parseBasicAuth } = await import('../../webhook/credentials');
      let basicAuth;
      if (basicAuthFile) {
        basicAuth = parseBasicAuth(readSecretFile(basicAuthFile, '--basic-auth-file'));
        if (!basicAuth)
          throw usageError(`--basic-auth-file ${basicAuthFile}: expected one line user:password`);
      }
      if (!bearerToken && !basicAuth) {
        if (!isLoopback(listen.host))
          throw usageError(
            `--listen ${listenText}: anyone reaching it could start failovers; give --token-file or --basic-auth-file`,
          );
        if (!opts.allowUnauthenticatedLoopback)
          throw usageError(
            'no credentials: give --token-file or --basic-auth-file, or --allow-unauthenticated-loopback to accept any alert sent to this machine',
          );
      }

      let maxBodyBytes: number | undefined;
      if (opts.maxBodyBytes !== undefined) {
        maxBodyBytes = Number(opts.maxBodyBytes);
        if (!/^\d+$/.test(opts.maxBodyBytes) || maxBodyBytes <= 0)
          throw usageError(
            `--max-body-bytes ${opts.maxBodyBytes}: expected a positive whole number of bytes`,
          );
      }
      for (const arn of opts.snsTopicArn)
        if (!SNS_TOPIC_ARN.test(arn))
          throw usageError(`--sns-topic-arn ${arn}: expected arn:aws:sns:<region>:<account>:<topic>`);

      const { LabelMappingError, defaultLabelMapping, loadLabelMapping } =
        await import('../../webhook/label-mapping');
      const mappingFile = opts.mappingFile ?? process.env[ENV.mappingFile];
      let mapping;
      try {
        mapping = mappingFile ? loadLabelMapping(mappingFile) : defaultLabelMapping();
      } catch (err) {
        if (err instanceof LabelMappingError) throw usageError(`--mapping-file ${err.message}`);
        throw err;
      }
      if (opts.cluster) mapping.defaultCluster = opts.cluster;

      const maxConcurrentFailovers = wholeNumber(
        opts.maxConcurrentFailovers,
        '--max-concurrent-failovers',
        1,
        1000,
      );
      const zoneOutagePercent = wholeNumber(opts.zoneOutagePercent, '--zone-outage-percent', 0, 100);
      const limits = {
        ...(maxConcurrentFailovers !== undefined ? { maxConcurrentFailovers } : {}),
        ...(zoneOutagePercent !== undefined ? { zoneOutagePercent } : {}),
      };
      const { createHandOff } = await import('../../webhook/hand-off');
      const { connectClient } = await import('../temporal');
      const temporal = await connectClient(globals());
      const onAlert = createHandOff(temporal.client, limits);

      const { WebhookConfigError, startWebhookReceiver } = await import('../../webhook/receiver');
      let receiver;
      try {
        receiver = await startWebhookReceiver({
          ...listen,
          onAlert,
          bearerToken,
          basicAuth,
          allowUnauthenticatedLoopback: opts.allowUnauthenticatedLoopback ?? false,
          maxBodyBytes,
          snsTopicArns: opts.snsTopicArn,
          mapping,
        });
      } catch (err) {
        await temporal.close();
        if (err instanceof WebhookConfigError) throw usageError(err.message);
        throw new CliError(`cannot listen on ${listenText}: ${(err as Error).message}`, EXIT.failed);
      }
      await new Promise<void>((resolve) => {
        for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolve());
      });
      await receiver.close();
      await temporal.close();
    });
}
