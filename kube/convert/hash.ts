// The reference's ShortHash and the content hashes built on it (reference §3.2).
import { createHash } from 'node:crypto';

/**
 * SHA-256 of `text`, read as one big-endian integer, written in base 36, first `length`
 * characters (left-padded with 0). Six characters as in the reference; longer ones for hashes
 * that only Kompox reads.
 */
export function shortHash(text: string | Buffer, length = 6): string {
  const digest = createHash('sha256').update(text).digest('hex');
  return BigInt(`0x${digest}`).toString(36).padStart(length, '0').slice(0, length);
}

/** One entry of a ConfigMap or Secret: text, or bytes (hashed as base64). */
export type ContentValue = string | Buffer;

/** The reference's contentHASH: sorted `KEY=VALUE\0` pairs of a Secret or ConfigMap. */
export function contentHash(entries: Readonly<Record<string, ContentValue>>): string {
  const text = Object.keys(entries)
    .sort()
    .map((key) => {
      const value = entries[key] ?? '';
      return `${key}=${typeof value === 'string' ? value : value.toString('base64')}\0`;
    })
    .join('');
  return shortHash(text);
}

/** JSON with object keys sorted and undefined members left out: the same value, the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) sorted[key] = sortKeys(member);
    }
    return sorted;
  }
  return value;
}
