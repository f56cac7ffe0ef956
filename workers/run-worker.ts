// Runs a Kompox worker: the app controller and operation workflows plus their activities, on
// one task queue. Used by the dev stack and by `kompoxops worker` in production.
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKFLOW_INTERCEPTOR_MODULES } from './workflow-interceptors';
import { createActivities } from '../activities';
import type { WorkerAccess } from '../activities/worker-access';
import type { DevClusterAccess } from '../activities/deps';
import { type RunningCodecServer, parseListen, startCodecServer } from '../client/codec/codec-server';
import { TemporalConnectError, diagnoseConnectFailure, isAuthRefusal } from '../client/connect-diagnosis';
import type { TemporalSecurity } from '../client/temporal-connection';
import { TASK_QUEUE } from '../api/ids';
import { NAMESPACE } from './dev-stack-constants';
import { newestReadySnapshots } from '../activities/snapshot-age';
import { ControllerMetrics } from './controller-metrics';
import { type LogFormat, defaultLogFormat, workerLogger } from './log-format';
import { type MetricsServer, freeLoopbackAddress, startMetricsServer } from './metrics';
import type { WebhookReceiverOptions } from '../webhook/receiver';

export interface RunWorkerOptions {
  address: string;
  namespace?: string;
  /** TLS and API key for the server (client/temporal-connection); none: plaintext. */
  security?: TemporalSecurity;
  /** Where the local provider keeps its disks and snapshots unless a Provider sets LOCAL_ROOT. */
  stateDir: string;
  /** The clusters and local roots this worker may reach (its configuration file). */
  access: WorkerAccess;
  /** The dev stack's control plane, where Clusters routed to `dev` go. */
  devCluster?: DevClusterAccess;
  /** Written with our pid once the worker polls, so `dev up` knows it is ready. */
  readyFile?: string;
  signal?: AbortSignal;
  /** host:port for the Prometheus endpoint (/metrics); none when unset. */
  metricsAddress?: string;
  /** How log lines are written to stderr; JSON unless stderr is a terminal. */
  logFormat?: LogFormat;
  /**
   * The payload codec (client/codec). Required: a worker without keys would write activity
   * results and workflow state as plaintext. Activities' own client (Context.client) inherits it.
   */
  dataConverter: DataConverter;
  /** Also serve the codec protocol for the Temporal CLI and Web UI (the dev stack does). */
  codecServer?: { host: string; port: number; corsOrigins: string[] };
  /** Also receive alert webhooks in this process (the dev stack does), handing them to incidents. */
  webhook?: Omit<WebhookReceiverOptions, 'onAlert'>;
}

/** The prebuilt workflow bundle when `make` made one, else bundle the sources at start-up. */
export function workflowSource():
  | { workflowBundle: { codePath: string } }
  | { workflowsPath: string; interceptors: { workflowModules: string[] } } {
  const bundle = join(__dirname, '..', 'workflow-bundle.js');
  return existsSync(bundle)
    ? { workflowBundle: { codePath: bundle } }
    : {
        workflowsPath: require.resolve('../workflows'),
        interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES },
      };
}

export async function runWorker(opts: RunWorkerOptions): Promise<void> {
  const listen = opts.metricsAddress ? parseListen(opts.metricsAddress) : undefined;
  if (opts.metricsAddress && !listen)
    throw new Error(`metrics address "${opts.metricsAddress}" is not host:port`);
  const sdkMetricsAddress = listen ? await freeLoopbackAddress() : undefined;
  Runtime.install({
    logger: workerLogger(opts.logFormat ?? defaultLogFormat()),
    ...(sdkMetricsAddress
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: sdkMetricsAddress } } } }
      : {}),
  });
  const security = opts.security ?? {};
  const connection = await NativeConnection.connect({ address: opts.address, ...security }).catch(
    async (err: unknown) => {
      throw new TemporalConnectError(await diagnoseConnectFailure(opts.address, security, err));
    },
  );
  let codecServer: RunningCodecServer | undefined;
  let webhook: { close(): Promise<void> } | undefined;
  let metrics: MetricsServer | undefined;
  const clients: { close(): Promise<void> }[] = [];
  try {
    if (opts.codecServer) {
      const codec = opts.dataConverter.payloadCodecs?.[0];
      if (!codec) throw new Error('codecServer needs a dataConverter with a payload codec');
      codecServer = await startCodecServer({ ...opts.codecServer, codec });
    }
    const deps = {
      stateDir: opts.stateDir,
      access: opts.access,
      ...(opts.devCluster ? { devCluster: opts.devCluster } : {}),
    };
    // Before the worker polls: a metrics address already taken stops the start, not a running worker.
    if (listen && sdkMetricsAddress) {
      const client = await workerClient(opts);
      clients.push(client);
      const log = Runtime.instance().logger;
      const kompox = new ControllerMetrics(
        client.client,
        (target) => newestReadySnapshots(deps, target),
        (message, meta) => log.warn(message, meta),
      );
      metrics = await startMetricsServer(listen, sdkMetricsAddress, kompox);
    }
    const worker = await Worker.create({
      connection,
      namespace: opts.namespace ?? NAMESPACE,
      taskQueue: TASK_QUEUE,
      ...workflowSource(),
      dataConverter: opts.dataConverter,
      activities: createActivities(deps),
    }).catch(async (err: unknown) => {
      // The namespace check is the worker's first authorized call: a missing or refused API key shows here.
      if (isAuthRefusal(err))
        throw new TemporalConnectError(await diagnoseConnectFailure(opts.address, security, err));
      throw err;
    });
    const running = opts.signal ? worker.runUntil(abortPromise(opts.signal)) : worker.run();
    if (opts.webhook) {
      const client = await workerClient(opts);
      clients.push(client);
      webhook = await startInProcessWebhook(client.client, opts.webhook);
    }
    if (opts.readyFile) writeFileSync(opts.readyFile, `${process.pid}\n`);
    await running;
  } finally {
    await metrics?.close();
    await webhook?.close();
    for (const c of clients) await c.close();
    await codecServer?.close();
    await connection.close();
  }
}

/** A client of the worker's own, encrypting as the worker does (metrics, the in-process receiver). */
async function workerClient(opts: RunWorkerOptions): Promise<{ client: Client; close(): Promise<void> }> {
  const { Client, Connection } = await import('@temporalio/client');
  const connection = await Connection.connect({ address: opts.address, ...(opts.security ?? {}) });
  const client = new Client({
    connection,
    namespace: opts.namespace ?? NAMESPACE,
    dataConverter: opts.dataConverter,
  });
  return { client, close: () => connection.close() };
}

/** The receiver hands alerts over the worker's own client. */
async function startInProcessWebhook(
  client: Client,
  webhook: Omit<WebhookReceiverOptions, 'onAlert'>,
): Promise<{ close(): Promise<void> }> {
  const { createHandOff } = await import('../webhook/hand-off');
  const { startWebhookReceiver } = await import('../webhook/receiver');
  return startWebhookReceiver({ ...webhook, onAlert: createHandOff(client) });
}

function abortPromise(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
