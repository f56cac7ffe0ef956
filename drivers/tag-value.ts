// Tag and label values that every cloud accepts. GCP is the strictest: label values are at most
// 63 characters of lowercase letters, digits, `_` and `-` (international letters aside). A value
// that already fits is kept as is, so tags written before this rule still match; any other value is
// lowercased, its other characters become `-`, and it ends in a hash of the original, so two
// names that only differ in case, punctuation or beyond character 54 never share a tag value.
import { createHash } from 'node:crypto';

export const TAG_VALUE_MAX = 63;
const VALID = /^[a-z0-9_-]{0,63}$/;
const HASH_CHARS = 8;

export function isValidTagValue(value: string): boolean {
  return VALID.test(value);
}

/** The value Kompox writes (and looks up) for `raw`; stable across runs and releases. */
export function tagValue(raw: string): string {
  if (VALID.test(raw)) return raw;
  const hash = createHash('sha256').update(raw, 'utf8').digest('hex').slice(0, HASH_CHARS);
  const readable = raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .slice(0, TAG_VALUE_MAX - HASH_CHARS - 1);
  return `${readable}-${hash}`;
}

/** `tags` with every value made valid; keys are left alone (Kompox's own keys are valid). */
export function sanitizeTagValues(tags: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, tagValue(v)]));
}
