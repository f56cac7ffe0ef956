// Every create takes an idempotency key the caller derives deterministically from the operation
// (for example `<operationId>/<volume>/create-disk`). Each cloud wants it in a different shape
// (cloud-drivers.md §0.3): a name (Azure, GCP), a ClientToken of <= 64 ASCII chars (AWS), a
// non-zero UUID requestId (GCP), an opc-retry-token of <= 64 chars (OCI), and everywhere a tag
// value for "look up before creating". These helpers give each shape from the one key, so the
// same retried operation always sends the same token.

import { createHash } from 'node:crypto';
import { invalidArgument } from './errors';

const MAX_KEY_LENGTH = 1024;

export function validateIdempotencyKey(key: string): void {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw invalidArgument(`idempotency key must be 1..${MAX_KEY_LENGTH} characters`);
  }
}

function sha256(input: string): Buffer {
  return createHash('sha256').update(input, 'utf8').digest();
}

/** 40 lowercase hex chars: fits every cloud's tag/label value rules and AWS/OCI token limits. */
export function keyDigest(key: string): string {
  validateIdempotencyKey(key);
  return sha256(key).toString('hex').slice(0, 40);
}

/** Lowercase base36 name fragment of `length` chars (RFC 1035 safe once prefixed by a letter). */
export function keyName(key: string, length = 12): string {
  validateIdempotencyKey(key);
  const n = BigInt('0x' + sha256(key).toString('hex'));
  return n.toString(36).padStart(length, '0').slice(0, length);
}

/** RFC 4122 version-5 UUID of the key (GCP requestId must be a non-zero UUID). */
export function keyUuid(key: string): string {
  validateIdempotencyKey(key);
  // Fixed namespace so the mapping never changes between releases.
  const namespace = Buffer.from('6b6f6d706f782d6964656d706f74656e', 'hex'); // "kompox-idempoten"
  const hash = createHash('sha1').update(namespace).update(key, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** JSON with object keys sorted, so equal requests give equal text whatever the key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Fingerprint of a create request. A retry with the same key must carry the same parameters;
 * a different fingerprint under a known key is a caller bug (AWS: IdempotentParameterMismatch).
 */
export function requestFingerprint(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request), 'utf8').digest('hex').slice(0, 32);
}
