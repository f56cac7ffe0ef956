// Carries TCP streams between network namespaces through Unix sockets, which every namespace can
// reach through the filesystem. Real nodes live in namespaces of their own and the dev stack never
// gives the machine's root namespace an address on their network, so this is the only way across:
//
//   forward   listen on endpoints (tcp:HOST:PORT or unix:PATH, comma-separated), connect each stream
//             to another. Inside a node's namespace it gives the kubelet 127.0.0.1:<apiserver port>
//             and pods the `kubernetes` Service (10.96.0.1:443); in the root namespace the other end
//             reaches the real apiserver.
//   egress    an HTTP CONNECT proxy on a Unix socket, the apiserver's egress selector for "cluster"
//             traffic (what konnectivity is on AKS and GKE). Loopback targets (kwok) are dialled
//             here; every other target goes to the dialer in the node network's namespace.
//   dialer    runs in the node network's namespace: reads "HOST:PORT\n", dials it and splices.
//
// Run as `node socket-relay.js <mode> <listen> [<target>]`; stays in the foreground until killed.
import { connect, createServer, Server, Socket } from 'node:net';
import { rmSync } from 'node:fs';

type Endpoint = { path: string } | { host: string; port: number };

export function parseEndpoint(spec: string): Endpoint {
  if (spec.startsWith('unix:')) return { path: spec.slice(5) };
  const m = /^tcp:(.+):(\d+)$/.exec(spec);
  if (!m) throw new Error(`endpoint ${spec}: expected unix:PATH or tcp:HOST:PORT`);
  return { host: m[1]!, port: Number(m[2]) };
}

const dial = (to: Endpoint): Socket => connect(to);

/** Pipes both ways and closes both sides when either ends or fails. */
function splice(a: Socket, b: Socket): void {
  const close = (): void => {
    a.destroy();
    b.destroy();
  };
  a.on('error', close).on('close', close);
  b.on('error', close).on('close', close);
  a.pipe(b);
  b.pipe(a);
}

/** Reads up to and including `terminator`; the rest of the data stays readable on the socket. */
function readHead(sock: Socket, terminator: string, limit = 8192): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      const at = buf.indexOf(terminator);
      if (at >= 0) {
        sock.off('data', onData);
        sock.pause();
        const rest = buf.subarray(at + terminator.length);
        if (rest.length > 0) sock.unshift(rest);
        resolve(buf.subarray(0, at).toString('latin1'));
      } else if (buf.length > limit) {
        sock.off('data', onData);
        reject(new Error('request head too long'));
      }
    };
    sock.on('data', onData);
    sock.once('error', reject);
  });
}

const isLoopback = (host: string): boolean => host === '127.0.0.1' || host === 'localhost' || host === '::1';

/** `HOST:PORT`, `[V6]:PORT`. */
function splitHostPort(target: string): { host: string; port: number } {
  const m = /^\[?([^\]]+)\]?:(\d+)$/.exec(target);
  if (!m) throw new Error(`bad target ${target}`);
  return { host: m[1]!, port: Number(m[2]) };
}

function listen(server: Server, on: Endpoint): void {
  if ('path' in on) {
    rmSync(on.path, { force: true });
    server.listen(on.path);
  } else server.listen(on.port, on.host);
}

export function startRelay(mode: string, listenSpec: string, targetSpec?: string): Server[] {
  const ons = listenSpec.split(',').map(parseEndpoint);
  if (ons.length > 1 && mode !== 'forward') throw new Error(`${mode} listens on one endpoint`);
  const target = targetSpec ? parseEndpoint(targetSpec) : undefined;
  let server: () => Server;
  switch (mode) {
    case 'forward':
      if (!target) throw new Error('forward needs a target');
      server = () => createServer((client) => splice(client, dial(target)));
      break;
    case 'egress':
      if (!target) throw new Error('egress needs the dialer socket as target');
      server = () =>
        createServer((client) => {
          client.on('error', () => client.destroy());
          readHead(client, '\r\n\r\n')
            .then((head) => {
              const m = /^CONNECT (\S+) HTTP\/1\.[01]/.exec(head);
              if (!m) {
                client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
                return;
              }
              const want = splitHostPort(m[1]!);
              const upstream = isLoopback(want.host) ? dial(want) : dial(target);
              if (!isLoopback(want.host)) upstream.write(`${want.host}:${want.port}\n`);
              upstream.once('connect', () => {
                client.write('HTTP/1.1 200 Connection established\r\n\r\n');
                splice(client, upstream);
                client.resume();
              });
              upstream.once('error', (err) => {
                client.end(`HTTP/1.1 502 Bad Gateway\r\n\r\n${err.message}`);
              });
            })
            .catch(() => client.destroy());
        });
      break;
    case 'dialer':
      server = () =>
        createServer((client) => {
          client.on('error', () => client.destroy());
          readHead(client, '\n')
            .then((line) => {
              const upstream = dial(splitHostPort(line.trim()));
              splice(client, upstream);
              client.resume();
            })
            .catch(() => client.destroy());
        });
      break;
    default:
      throw new Error(`unknown mode ${mode}: forward, egress or dialer`);
  }
  return ons.map((on) => {
    const s = server();
    s.on('error', (err) => {
      console.error(`socket-relay ${mode} ${listenSpec}: ${err.message}`);
      process.exit(1);
    });
    listen(s, on);
    return s;
  });
}

if (require.main === module) {
  const [mode, listenSpec, targetSpec] = process.argv.slice(2);
  if (!mode || !listenSpec) {
    console.error('usage: socket-relay forward|egress|dialer <listen> [<target>]');
    process.exit(2);
  }
  startRelay(mode, listenSpec, targetSpec);
}
