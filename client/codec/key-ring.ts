// The payload codec's keys: AES-256 keys with ids. The first key encrypts, every key decrypts,
// so a key is rotated by putting a new one in front and dropping the old one once no history
// that needs it is kept.
//   text form: one `id:base64key` per line or comma-separated; blank lines and # comments skipped
// Error messages name the source and the entry's position and id, never key material.

export const KEY_BYTES = 32;
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export interface CodecKey {
  id: string;
  key: Buffer;
}

export interface KeyRing {
  /** Encrypts every new payload. */
  primary: CodecKey;
  /** Every key that decrypts, by id (the primary included). */
  byId: ReadonlyMap<string, Buffer>;
  /** Where the ring came from, for error messages: `KOMPOX_CODEC_KEY`, a file path… */
  source: string;
}

/** A key ring that cannot be used; the message says what is wrong and what to do. */
export class CodecKeyError extends Error {
  override readonly name = 'CodecKeyError';
}

const GENERATE_HINT = 'generate a key with `kompoxops codec-server --generate-key`';

export function parseKeyRing(text: string, source: string): KeyRing {
  const entries = text
    .split(/[\n,]/)
    .map((e) => e.trim())
    .filter((e) => e !== '' && !e.startsWith('#'));
  if (entries.length === 0) {
    throw new CodecKeyError(
      `${source} holds no key: give one or more id:base64key entries (32-byte AES-256 keys); ${GENERATE_HINT}`,
    );
  }
  const keys = entries.map((entry, i) => parseEntry(entry, `${source} entry ${i + 1}`));
  const byId = new Map<string, Buffer>();
  for (const k of keys) {
    if (byId.has(k.id)) {
      throw new CodecKeyError(
        `${source} names key id "${k.id}" twice: every key needs its own id, or payloads could not say which key decrypts them`,
      );
    }
    byId.set(k.id, k.key);
  }
  return { primary: keys[0]!, byId, source };
}

function parseEntry(entry: string, where: string): CodecKey {
  const colon = entry.indexOf(':');
  if (colon < 0) {
    // The entry may be a bare key: say nothing of its content.
    throw new CodecKeyError(`${where} is not id:base64key (no ":" found); ${GENERATE_HINT}`);
  }
  const id = entry.slice(0, colon).trim();
  const b64 = entry.slice(colon + 1).trim();
  if (!KEY_ID_PATTERN.test(id)) {
    throw new CodecKeyError(
      `${where}: the key id must be 1-64 letters, digits, ".", "_" or "-" (payloads carry it in their metadata)`,
    );
  }
  const key = Buffer.from(b64, 'base64');
  // Buffer.from skips characters that are not base64; a round trip shows they were there.
  const canonical = (s: string) => s.replaceAll('-', '+').replaceAll('_', '/').replace(/=+$/, '');
  if (b64 === '' || canonical(key.toString('base64')) !== canonical(b64)) {
    throw new CodecKeyError(`${where} (id "${id}"): the key is not valid base64; ${GENERATE_HINT}`);
  }
  if (key.length !== KEY_BYTES) {
    throw new CodecKeyError(
      `${where} (id "${id}"): the key is ${key.length} bytes, an AES-256 key is ${KEY_BYTES}; ${GENERATE_HINT}`,
    );
  }
  return { id, key };
}

export function formatKey(k: CodecKey): string {
  return `${k.id}:${k.key.toString('base64')}`;
}
