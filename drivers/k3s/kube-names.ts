// Object names and quantities for the k3s provider: Kompox names (app, volume, disk or snapshot)
// turned into one DNS label, and Kubernetes quantities read back as bytes.
import { createHash } from 'node:crypto';

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

const SUFFIX: Record<string, number> = {
  '': 1,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** A Kubernetes quantity (`1Gi`, `500M`, `1073741824`, `1e9`) in bytes, rounded up; undefined if unreadable. */
export function quantityBytes(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === 'number') return Math.ceil(q);
  const m = /^([0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)([KMGTPE]i|[kMGTPE])?$/.exec(q.trim());
  if (!m) return undefined;
  return Math.ceil(Number(m[1]) * SUFFIX[m[2] ?? '']!);
}
