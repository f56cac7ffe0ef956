// Object names and quantities for the k3s provider: Kompox names (app, volume, disk or snapshot)
// turned into one DNS label, and Kubernetes quantities read back as bytes.
import { createHash } from 'node:crypto';
import { parseByteQuantity } from '../../kom/quantity';

const HASH_CHARS = 8;
const MAX = 63;

/**
 * `<app>-<volume>-<name>` as a DNS label (at most 63), always ending in a hash of the three
 * names, so `a-b`/`c` and `a`/`b-c` never share an object.
 */
export function objectName(app: string, volume: string, name: string): string {
  const hash = createHash('sha256')
    .update(`${app}\n${volume}\n${name}`, 'utf8')
    .digest('hex')
    .slice(0, HASH_CHARS);
  const readable = `${app}-${volume}-${name}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+/, '')
    .slice(0, MAX - HASH_CHARS - 1)
    .replace(/-+$/, '');
  return readable === '' ? `k-${hash}` : `${readable}-${hash}`;
}

/** A Kubernetes quantity (`1Gi`, `500M`, `1073741824`) in bytes; undefined if unreadable or zero. */
export function quantityBytes(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  try {
    return parseByteQuantity(q);
  } catch {
    return undefined;
  }
}
