// Waits for a component's health endpoint, failing fast (with its log tail) when the process exits
// instead of waiting out the whole timeout.
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

/** GET `url`; resolves with the status code, or an error string when nothing answered. */
export function probe(url: string, ca?: Buffer): Promise<number | string> {
  return new Promise((resolve) => {
    // KCM and the scheduler serve a self-signed cert of their own; only the apiserver's is ours.
    const tls = url.startsWith('https:') ? { ca, rejectUnauthorized: ca !== undefined } : {};
    const req = (url.startsWith('https:') ? httpsGet : httpGet)(url, { ...tls, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve((err as NodeJS.ErrnoException).code ?? err.message));
  });
}

export async function waitHealthy(
  name: string,
  url: string,
  opts: { timeoutMs: number; ca?: Buffer; alive: () => boolean; logTail: () => string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: number | string = 'no answer';
  while (Date.now() < deadline) {
    if (!opts.alive())
      throw new Error(`${name} exited during startup; its log ends with:\n${opts.logTail()}`);
    last = await probe(url, opts.ca);
    if (last === 200) return;
    await sleep(200);
  }
  throw new Error(
    `${name} not healthy after ${opts.timeoutMs / 1000}s (${url}: ${last}); its log ends with:\n${opts.logTail()}`,
  );
}
