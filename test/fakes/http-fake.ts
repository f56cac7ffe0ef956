// The loopback HTTP server every cloud fake runs in: reads the body, logs the request in the
// cloud model, and hands the adapter a parsed request. Adapters answer with `reply`.
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { CloudModel, LoggedRequest } from './cloud-model';

export interface FakeRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** The raw body, and its JSON when it parses. */
  text: string;
  json: unknown;
  /** The log entry; an adapter sets `token` when the request carries an idempotency token. */
  logged: LoggedRequest;
}

export interface FakeReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type FakeHandler = (req: FakeRequest) => FakeReply | Promise<FakeReply>;

export interface RunningFake {
  /** `http://127.0.0.1:PORT` (`https://` when served with TLS) */
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/** A certificate and key (PEM) to serve HTTPS with, for SDKs that send tokens only over TLS. */
export interface FakeTls {
  key: string;
  cert: string;
}

export async function startHttpFake(
  model: CloudModel,
  handler: FakeHandler,
  tls?: FakeTls,
): Promise<RunningFake> {
  const listener = (req: IncomingMessage, res: ServerResponse): void => void serve(model, handler, req, res);
  const server = tls === undefined ? createServer(listener) : createTlsServer(tls, listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve(
  model: CloudModel,
  handler: FakeHandler,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url ?? '/', 'http://fake');
  const logged: LoggedRequest = { method: req.method ?? 'GET', path: url.pathname };
  model.requests.push(logged);
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  let reply: FakeReply;
  try {
    reply = await handler({
      method: logged.method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      text,
      json,
      logged,
    });
  } catch (err) {
    reply = { status: 500, body: { error: { message: (err as Error).message } } };
  }
  logged.status = reply.status;
  const body = reply.body === undefined ? '' : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...(body ? { 'content-type': 'application/json' } : {}),
    ...reply.headers,
  });
  res.end(body);
}
