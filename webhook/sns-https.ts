// The only HTTPS calls the receiver makes: SNS signing certificates and SubscribeURL
// confirmations, both only to an SNS endpoint, so a forged message cannot make the receiver
// fetch from (or confirm against) a host of the sender's choosing.
import { get } from 'node:https';

/** GETs an https URL and resolves with its body; rejects on a non-2xx answer. */
export type FetchHttps = (url: string) => Promise<string>;

const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;
const MAX_RESPONSE_BYTES = 256 << 10;
const TIMEOUT_MS = 10_000;

/** `https://sns.<region>.amazonaws.com[.cn]/…`, on the default port and with no user info. */
export function isSnsUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && u.port === '' && !u.username && !u.password && SNS_HOST.test(u.hostname);
}

export const defaultFetchHttps: FetchHttps = (url) =>
  new Promise((resolve, reject) => {
    if (!isSnsUrl(url)) {
      reject(new Error(`${url}: not an https URL on an SNS host`));
      return;
    }
    const req = get(url, { timeout: TIMEOUT_MS }, (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) {
        res.resume();
        reject(new Error(`GET ${new URL(url).origin}: HTTP ${status}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES)
          req.destroy(new Error(`GET ${url}: answer over ${MAX_RESPONSE_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('timeout', () =>
      req.destroy(new Error(`GET ${new URL(url).origin}: no answer in ${TIMEOUT_MS} ms`)),
    );
    req.on('error', reject);
  });
