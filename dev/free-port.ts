// Loopback ports for the dev stack: the conventional one when it is free, else any free one.
import { createServer } from 'node:net';

export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen(port, host, () => server.close(() => resolvePromise(true)));
  });
}

export function anyFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });
}

export async function preferredPort(preferred: number, taken: Set<number> = new Set()): Promise<number> {
  if (!taken.has(preferred) && (await portIsFree(preferred))) return preferred;
  for (;;) {
    const port = await anyFreePort();
    if (!taken.has(port)) return port;
  }
}
