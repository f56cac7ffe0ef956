// Kubernetes quantity strings for byte counts and CPU millicores, exact and canonical.

const BINARY_UNITS: [string, number][] = [
  ['Ti', 2 ** 40],
  ['Gi', 2 ** 30],
  ['Mi', 2 ** 20],
  ['Ki', 2 ** 10],
];

/** `1073741824` → `1Gi`; sizes that are no whole binary unit stay plain bytes. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of BINARY_UNITS) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

/** `2000` → `2`, `250` → `250m`. */
export function formatMillicores(millicores: number): string {
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}

/** Whole seconds for probe and grace-period fields: rounded up, at least `min`. */
export function toSeconds(ms: number, min = 1): number {
  return Math.max(min, Math.ceil(ms / 1000));
}
