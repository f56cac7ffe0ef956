// A fresh codec key, for `kompoxops codec-server --generate-key` and the dev stack's key file.
import { randomBytes } from 'node:crypto';
import { type CodecKey, KEY_BYTES } from './key-ring';

/** The id defaults to the date and a random suffix, so keys of one ring differ at a glance. */
export function generateCodecKey(id?: string): CodecKey {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  return { id: id ?? `k${day}-${randomBytes(3).toString('hex')}`, key: randomBytes(KEY_BYTES) };
}
