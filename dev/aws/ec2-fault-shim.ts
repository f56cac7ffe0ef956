// A test aid: a loopback HTTP proxy in front of moto that adds to it what moto cannot show, so
// the eks driver's tests see the EC2 that real callers meet. Per EC2 Action (the Query protocol's
// form-encoded `Action=...` body) it can delay calls, answer throttling (503 RequestLimitExceeded,
// which the AWS SDK retries) or any other EC2 error, and drop the reply of a call moto has already
// done (a lost reply). moto makes volumes `available` and snapshots `completed` at once; the shim
// shows given ids as `creating` / `pending` for their first describes. Every call is logged in
// `requests`, so tests can count them.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Injection {
  action: string;
  /** Before every call of the action, until clear(). */
  delayMs?: number;
  /** The next N calls get 503 RequestLimitExceeded without reaching moto. */
  throttle?: number;
  /** The next `times` (default 1) calls get this error without reaching moto. */
  error?: { code: string; status: number; message?: string; times?: number };
  /** The next N calls reach moto, which does them, and then lose their reply. */
  dropReply?: number;
  /**
   * Every call reaches moto, which does it, and its reply is held this long: the caller has
   * made the change but does not know it yet (the window a killed worker dies in). `onHeld` is
   * told once the call is done and the reply held.
   */
  holdReplyMs?: number;
  onHeld?: () => void;
}

export type Outcome = 'forwarded' | 'throttled' | 'error' | 'dropped';

export interface Ec2FaultShim {
  endpoint: string;
  requests: { action: string; outcome: Outcome }[];
  inject(injection: Injection): void;
  /** Describes of this volume (snapshot) show `creating` (`pending`) the first `describes` times it appears. */
  pending(id: string, describes: number): void;
  /** Calls of the action seen so far, whatever their outcome. */
  calls(action: string): number;
  /** Forgets injections, pending ids and the request log. */
  clear(): void;
  close(): Promise<void>;
}

const STATES: Record<string, { set: string; idTag: string; done: string; pending: string }> = {
  DescribeVolumes: { set: 'volumeSet', idTag: 'volumeId', done: 'available', pending: 'creating' },
  DescribeSnapshots: { set: 'snapshotSet', idTag: 'snapshotId', done: 'completed', pending: 'pending' },
};

/**
 * Rewrites the status of the top-level `<item>`s of the response's volume or snapshot set whose id
 * is pending. Only top-level items count: nested ones (tags, attachments) carry ids and statuses too.
 */
function rewritePending(action: string, xml: string, pending: Map<string, number>): string {
  const kind = STATES[action];
  const open = kind ? xml.indexOf(`<${kind.set}>`) : -1;
  if (!kind || open < 0 || pending.size === 0) return xml;
  let out = xml.slice(0, open);
  let depth = 0;
  let itemStart = -1;
  let last = open;
  const tags = /<(\/?)item>|<\/[A-Za-z]+Set>/g;
  tags.lastIndex = open + kind.set.length + 2;
  for (let m; (m = tags.exec(xml));) {
    if (m[0] === `</${kind.set}>` && depth === 0) break;
    if (m[0] === '<item>' && depth++ === 0) itemStart = m.index;
    if (m[0] === '</item>' && --depth === 0) {
      const end = m.index + m[0].length;
      let item = xml.slice(itemStart, end);
      const id = new RegExp(`<${kind.idTag}>([^<]+)</${kind.idTag}>`).exec(item)?.[1];
      const left = id === undefined ? 0 : (pending.get(id) ?? 0);
      if (id !== undefined && left > 0) {
        item = item.replace(`<status>${kind.done}</status>`, `<status>${kind.pending}</status>`);
        pending.set(id, left - 1);
      }
      out += xml.slice(last, itemStart) + item;
      last = end;
    }
  }
  return out + xml.slice(last);
}

const xmlText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function ec2Error(res: ServerResponse, status: number, code: string, message: string): void {
  [code, message] = [xmlText(code), xmlText(message)];
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code>` +
    `<Message>${message}</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`;
  res.writeHead(status, {
    'content-type': 'text/xml;charset=UTF-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function forward(
  target: URL,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  // No compression, so replies can be rewritten.
  const headers = { ...req.headers, host: target.host, 'accept-encoding': 'identity' };
  return new Promise((resolve, reject) => {
    const out = request(target, { method: req.method, path: req.url, headers }, (res) => {
      readBody(res).then(
        (b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }),
        reject,
      );
    });
    out.on('error', reject);
    out.end(body);
  });
}

/** Starts the shim on a kernel-chosen loopback port in front of `motoEndpoint`. */
export async function startEc2FaultShim(motoEndpoint: string): Promise<Ec2FaultShim> {
  const target = new URL(motoEndpoint);
  let injections: Injection[] = [];
  const pending = new Map<string, number>();
  const requests: Ec2FaultShim['requests'] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const action = new URLSearchParams(body.toString()).get('Action') ?? '';
    const mine = injections.filter((i) => i.action === action);
    const log = (outcome: Outcome): number => requests.push({ action, outcome });
    for (const i of mine) if (i.delayMs) await sleep(i.delayMs);
    const throttled = mine.find((i) => (i.throttle ?? 0) > 0);
    if (throttled) {
      throttled.throttle = (throttled.throttle ?? 0) - 1;
      log('throttled');
      return ec2Error(res, 503, 'RequestLimitExceeded', 'Request limit exceeded.');
    }
    const failing = mine.find((i) => i.error && (i.error.times ?? 1) > 0);
    if (failing?.error) {
      failing.error.times = (failing.error.times ?? 1) - 1;
      log('error');
      const { status, code, message } = failing.error;
      return ec2Error(res, status, code, message ?? `${code} (injected by the Kompox EC2 fault shim)`);
    }
    const reply = await forward(target, req, body);
    for (const i of mine) {
      if (!i.holdReplyMs) continue;
      i.onHeld?.();
      await sleep(i.holdReplyMs);
    }
    const dropping = mine.find((i) => (i.dropReply ?? 0) > 0);
    if (dropping) {
      dropping.dropReply = (dropping.dropReply ?? 0) - 1;
      log('dropped');
      res.socket?.destroy();
      return;
    }
    log('forwarded');
    const text = rewritePending(action, reply.body.toString(), pending);
    const headers = { ...reply.headers, 'content-length': String(Buffer.byteLength(text)) };
    delete headers['transfer-encoding'];
    res.writeHead(reply.status, headers);
    res.end(text);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) ec2Error(res, 502, 'InternalError', `EC2 fault shim: ${err.message}`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    // Copies, since the counters count down.
    inject(injection) {
      injections.push({ ...injection, ...(injection.error ? { error: { ...injection.error } } : {}) });
    },
    pending(id, describes) {
      pending.set(id, describes);
    },
    calls: (action) => requests.filter((r) => r.action === action).length,
    clear() {
      injections = [];
      pending.clear();
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
