// Temporal's remote codec protocol over HTTP, so the Temporal CLI (--codec-endpoint) and Web UI
// (--ui-codec-endpoint, or the UI's data encoder setting) show decoded payloads to whoever can
// reach this server:
//   POST /encode, POST /decode   body and answer: {"payloads":[{"metadata":{k:base64},"data":base64}]}
// Anyone who can call /decode reads the payloads, so the server either listens on loopback only
// (the dev stack, a key holder's own machine) or requires `Authorization: Bearer <token>`.
// Browsers are held to the configured Web UI origins: a request from any other origin is
// refused, not merely left unreadable, which also stops DNS-rebinding pages on loopback.
import type { Payload, PayloadCodec } from '@temporalio/common';
import { timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type RequestListener, type ServerResponse, createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP } from 'node:net';

const MAX_BODY_BYTES = 16 << 20;

export interface CodecServerOptions {
  host: string;
  port: number;
  codec: PayloadCodec;
  /** Web UI origins allowed to call from a browser, e.g. http://127.0.0.1:8233. */
  corsOrigins?: string[];
  /** Required as a bearer token when set. */
  token?: string;
  /** Serve HTTPS with this certificate (PEM); with `ca`, only to clients holding a certificate `ca` issued. */
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer };
}

export interface RunningCodecServer {
  url: string;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

/** `host:port` or `[v6]:port`; undefined when it is neither. */
export function parseListen(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) return undefined;
  return { host: (m[1] ?? m[2])!, port };
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v ?? new Uint8Array()).toString('base64'),
    ]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function startCodecServer(opts: CodecServerOptions): Promise<RunningCodecServer> {
  const origins = new Set(opts.corsOrigins ?? []);
  const expected = opts.token ? Buffer.from(`Bearer ${opts.token}`) : undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!origins.has(origin))
        throw new HttpError(
          403,
          `origin ${origin} is not allowed; start the server with --cors-origin ${origin}`,
        );
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'content-type, x-namespace, authorization');
      res.writeHead(204).end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://codec').pathname;
    if (path !== '/encode' && path !== '/decode') throw new HttpError(404, 'only POST /encode and /decode');
    if (req.method !== 'POST') throw new HttpError(405, `${path} takes POST`);
    if (expected) {
      const got = Buffer.from(req.headers.authorization ?? '');
      if (got.length !== expected.length || !timingSafeEqual(got, expected))
        throw new HttpError(401, 'missing or wrong Authorization: Bearer token');
    }
    // A JSON content type makes browsers send a CORS preflight first.
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
      throw new HttpError(415, 'send Content-Type: application/json');
    const body = await readBody(req);
    let payloads: JsonPayload[];
    try {
      const parsed = JSON.parse(body) as { payloads?: unknown };
      if (!Array.isArray(parsed.payloads)) throw new Error('no "payloads" array');
      payloads = parsed.payloads as JsonPayload[];
    } catch (err) {
      throw new HttpError(400, `body is not {"payloads":[...]}: ${(err as Error).message}`);
    }
    let out: Payload[];
    try {
      const input = payloads.map(fromJson);
      out = path === '/encode' ? await opts.codec.encode(input) : await opts.codec.decode(input);
    } catch (err) {
      throw new HttpError(400, (err as Error).message);
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ payloads: out.map(toJson) }));
  };

  const listener: RequestListener = (req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (!res.headersSent) res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`${err instanceof Error ? err.message : String(err)}\n`);
    });
  };
  const tls = opts.tls;
  const server = tls
    ? createHttpsServer(
        {
          cert: tls.cert,
          key: tls.key,
          ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
        },
        listener,
      )
    : createServer(listener);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.port;
      const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
      resolve({
        url: `${tls ? 'https' : 'http'}://${host}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
