// Who may send alerts: a bearer token, basic-auth credentials, or either. Secrets are compared
// as SHA-256 digests in constant time, so neither their content nor their length leaks
// through response timing.
import { createHash, timingSafeEqual } from 'node:crypto';

export interface WebhookCredentials {
  /** `Authorization: Bearer <token>`. */
  bearerToken?: string;
  /** `Authorization: Basic …`; the only kind SNS can send (https://user:password@host/…). */
  basicAuth?: { user: string; password: string };
}

export const REALM = 'kompox-webhook';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export const hasCredentials = (c: WebhookCredentials): boolean => !!c.bearerToken || !!c.basicAuth;

/** `user:password`, as a basic-auth file holds it; undefined when there is no colon or user. */
export function parseBasicAuth(text: string): { user: string; password: string } | undefined {
  const i = text.indexOf(':');
  if (i <= 0 || i === text.length - 1) return undefined;
  return { user: text.slice(0, i), password: text.slice(i + 1) };
}

/** Checks an Authorization header against the configured credentials. */
export function createAuthenticator(c: WebhookCredentials): (authorization: string | undefined) => boolean {
  const token = c.bearerToken ? digest(c.bearerToken) : undefined;
  const basic = c.basicAuth ? digest(`${c.basicAuth.user}:${c.basicAuth.password}`) : undefined;
  return (authorization) => {
    const m = /^(\w+) +(\S+)\s*$/.exec(authorization ?? '');
    if (!m) return false;
    const scheme = m[1]!.toLowerCase();
    if (scheme === 'bearer' && token) return timingSafeEqual(digest(m[2]!), token);
    if (scheme === 'basic' && basic)
      return timingSafeEqual(digest(Buffer.from(m[2]!, 'base64').toString('utf8')), basic);
    return false;
  };
}

/** The WWW-Authenticate challenges for a 401: the schemes a sender could succeed with. */
export function challenges(c: WebhookCredentials): string[] {
  const out: string[] = [];
  if (c.basicAuth) out.push(`Basic realm="${REALM}", charset="UTF-8"`);
  if (c.bearerToken) out.push(`Bearer realm="${REALM}"`);
  return out;
}
