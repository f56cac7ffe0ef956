// The worker's Prometheus endpoint, GET /metrics: the Temporal SDK's own metrics and Kompox's
// (workers/controller-metrics.ts) on one address. The SDK's come from the Temporal Runtime's
// exporter, which gets a loopback port of its own and is read at each scrape; Kompox's are
// served by prom-client, because their series must go away with their apps, which the Runtime's
// meter never does.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics } from 'prom-client';
import type { ControllerMetrics } from './controller-metrics';

/** A free loopback address for the SDK's exporter, before Runtime.install binds it. */
export function freeLoopbackAddress(): Promise<string> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(`127.0.0.1:${port}`));
    });
  });
}

export interface MetricsServer {
  close(): Promise<void>;
}

export async function startMetricsServer(
  listen: { host: string; port: number },
  sdkAddress: string,
  kompox: ControllerMetrics,
): Promise<MetricsServer> {
  collectDefaultMetrics({ register: kompox.registry });
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('only GET /metrics is served here\n');
      return;
    }
    void scrape(sdkAddress, kompox).then(
      (text) => res.writeHead(200, { 'Content-Type': kompox.registry.contentType }).end(text),
      (err: unknown) =>
        res
          .writeHead(503, { 'Content-Type': 'text/plain' })
          .end(`metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  return {
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function scrape(sdkAddress: string, kompox: ControllerMetrics): Promise<string> {
  const [sdk] = await Promise.all([
    fetch(`http://${sdkAddress}/metrics`).then((r) => r.text()),
    kompox.refresh(),
  ]);
  return `${sdk.trimEnd()}\n${await kompox.registry.metrics()}`;
}
