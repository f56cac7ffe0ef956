// Free loopback ports for dev and test processes that bind them later.
//
// A port the kernel hands out for listen(0) comes from its ephemeral range, the same range it
// draws the source port of every outgoing connection from. Between choosing such a port and a
// child process binding it, any connection on the machine (an apiserver's watch, a test's
// client) may take it. So ports are drawn at random from below that range, where the kernel
// never assigns one by itself, and checked free by binding them.
import { readFileSync } from 'node:fs';
import { createConnection, createServer, Server } from 'node:net';

const LOWEST = 10000;

/** The first port of the kernel's ephemeral range (32768 where it cannot be read). */
function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const n = Number(low);
    return Number.isInteger(n) && n > 0 ? n : 32768;
  } catch {
    return 32768;
  }
}

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EADDRINUSE' || err.code === 'EACCES' ? resolve(undefined) : reject(err),
    );
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function listenOne(taken: Set<number>): Promise<Server> {
  const top = ephemeralRangeStart();
  // A machine whose ephemeral range starts low leaves no room below it: use listen(0) there.
  if (top - LOWEST < 1000) return (await listen(0))!;
  for (let tries = 0; tries < 200; tries++) {
    const port = LOWEST + Math.floor(Math.random() * (top - LOWEST));
    if (taken.has(port)) continue;
    const server = await listen(port);
    if (server) return server;
  }
  throw new Error(`no free loopback port found between ${LOWEST} and ${top - 1}`);
}

/** Returns `n` distinct free ports; all are held open together so none is handed out twice. */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  const ports = new Set<number>();
  try {
    for (let i = 0; i < n; i++) {
      const server = await listenOne(ports);
      servers.push(server);
      const addr = server.address();
      if (!addr || typeof addr === 'string') throw new Error('listen returned no port');
      ports.add(addr.port);
    }
    return [...ports];
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function isListening(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const finish = (listening: boolean): void => {
      socket.destroy();
      resolve(listening);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** `preferred` when it is free (and not in `taken`), else another free port. */
export async function preferredPort(preferred: number, taken: Set<number> = new Set()): Promise<number> {
  const server = taken.has(preferred) ? undefined : await listen(preferred);
  if (server) {
    await new Promise<void>((r) => server.close(() => r()));
    return preferred;
  }
  for (;;) {
    const [port] = await freePorts(1);
    if (!taken.has(port!)) return port!;
  }
}
