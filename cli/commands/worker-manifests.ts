// `kompoxops worker manifests`: the YAML (or -o json, a List) that runs the worker inside the
// cluster with least privilege; `kubectl apply -f -` it after creating the referenced Secrets.
import type { Command } from 'commander';
import { dnsLabelProblem } from '../../kom/resource-id';
import {
  type WorkerManifestOptions,
  renderWorkerManifests,
  workerManifestsYaml,
} from '../../workers/in-cluster/manifests';
import { WorkerConfigError, parseWorkerConfig } from '../../workers/worker-config';
import { usageError } from '../exit-codes';
import type { GlobalOptions } from '../project';

export function workerManifestsCommand(worker: Command, globals: () => GlobalOptions): void {
  worker
    .command('manifests')
    .description(
      'print the Kubernetes objects that run the worker in a cluster: Namespace, ServiceAccount, ClusterRole(Binding), ConfigMap, Deployment, Service, NetworkPolicy, PodDisruptionBudget',
    )
    .requiredOption('--image <ref>', 'the Kompox image the worker runs')
    .option('--worker-namespace <ns>', 'the Kubernetes namespace of the worker', 'kompox')
    .option('--replicas <n>', 'worker replicas (they share one task queue)', '2')
    .option(
      '--codec-key-secret <name>',
      'Secret with the codec keys under key codec-keys',
      'kompox-codec-key',
    )
    .option(
      '--webhook-token-secret <name>',
      'Secret with the alert senders’ bearer token under key token',
      'kompox-webhook-token',
    )
    .option('--temporal-tls-secret <name>', 'Secret with tls.crt, tls.key and ca.crt for Temporal mTLS')
    .option('--temporal-api-key-secret <name>', 'Secret with the Temporal API key under key api-key')
    .option('--cluster <id>', 'the Cluster (Resource ID, */cls/NAME or *) this worker serves in-cluster', '*')
    .option('-o, --output <format>', 'yaml or json', 'yaml')
    .action((opts: Options) => {
      const manifestOptions = checkOptions(opts, globals());
      const objects = renderWorkerManifests(manifestOptions);
      if (opts.output === 'json')
        process.stdout.write(
          JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2) + '\n',
        );
      else process.stdout.write(workerManifestsYaml(objects));
    });
}

interface Options {
  image: string;
  workerNamespace: string;
  replicas: string;
  codecKeySecret: string;
  webhookTokenSecret: string;
  temporalTlsSecret?: string;
  temporalApiKeySecret?: string;
  cluster: string;
  output: string;
}

/** Every problem is said before anything is printed, naming the option. */
function checkOptions(opts: Options, globals: GlobalOptions): WorkerManifestOptions {
  if (opts.output !== 'yaml' && opts.output !== 'json')
    throw usageError(`-o ${opts.output}: use -o yaml or -o json`);
  const address = globals.temporalAddress ?? process.env.TEMPORAL_ADDRESS;
  if (!address || !/^[^\s:]+:\d+$/.test(address))
    throw usageError(
      `--temporal-address ${address ?? '(not given)'}: give the Temporal frontend the worker reaches from inside the cluster, as host:port`,
    );
  if (!opts.image.trim()) throw usageError('--image: give the image reference of Kompox');
  const replicas = Number(opts.replicas);
  if (!Number.isInteger(replicas) || replicas < 1)
    throw usageError(`--replicas ${opts.replicas}: give a whole number of at least 1`);
  const names: [string, string | undefined][] = [
    ['--worker-namespace', opts.workerNamespace],
    ['--codec-key-secret', opts.codecKeySecret],
    ['--webhook-token-secret', opts.webhookTokenSecret],
    ['--temporal-tls-secret', opts.temporalTlsSecret],
    ['--temporal-api-key-secret', opts.temporalApiKeySecret],
  ];
  for (const [option, value] of names) {
    const problem = value === undefined ? undefined : dnsLabelProblem(value);
    if (problem) throw usageError(`${option}: ${problem}`);
  }
  try {
    parseWorkerConfig({ clusters: { [opts.cluster]: { inCluster: true } } }, 'the rendered ConfigMap');
  } catch (err) {
    if (err instanceof WorkerConfigError) throw usageError(`--cluster ${opts.cluster}: ${err.message}`);
    throw err;
  }
  return {
    namespace: opts.workerNamespace,
    image: opts.image,
    replicas,
    temporalAddress: address,
    temporalNamespace: globals.namespace ?? 'default',
    codecKeySecret: opts.codecKeySecret,
    webhookTokenSecret: opts.webhookTokenSecret,
    ...(opts.temporalTlsSecret ? { temporalTlsSecret: opts.temporalTlsSecret } : {}),
    ...(opts.temporalApiKeySecret ? { temporalApiKeySecret: opts.temporalApiKeySecret } : {}),
    cluster: opts.cluster,
  };
}
