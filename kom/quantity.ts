// Sizes and compute amounts. KOM volume sizes and x-kompox resources use Kubernetes quantities
// (`32Gi`, `500M`, `250m` CPU); compose's deploy.resources uses Docker's units (`512m` memory is
// 512 MiB there, not 0.512 bytes), so the two get separate parsers.

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const KUBE_QUANTITY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$/;

export class InvalidQuantityError extends Error {
  override readonly name = 'InvalidQuantityError';
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Bytes in a whole number or a Kubernetes quantity such as `32Gi` or `500M`. */
export function parseByteQuantity(value: unknown): number {
  const bad = (why: string): never => {
    throw new InvalidQuantityError(`invalid size ${describe(value)}: ${why}`);
  };
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value <= 0) bad('a number of bytes must be a positive whole number');
    return value;
  }
  if (typeof value !== 'string') return bad('write bytes or a quantity such as 32Gi');
  const match = KUBE_QUANTITY.exec(value.trim());
  const suffix = match?.[2] ?? '';
  if (match === null || suffix === 'm') return bad('write bytes or a quantity such as 32Gi, 500Mi or 100G');
  const bytes = Number(match[1]) * (BINARY[suffix] ?? DECIMAL[suffix] ?? Number.NaN);
  if (!Number.isSafeInteger(bytes)) bad('it is not a whole number of bytes or is too large');
  if (bytes <= 0) bad('it must be greater than zero');
  return bytes;
}

/** Millicores in a Kubernetes CPU quantity (`500m`, `0.5`, `2`) or a compose `cpus` value. */
export function parseCpuMillicores(value: unknown): number {
  const bad = (): never => {
    throw new InvalidQuantityError(
      `invalid CPU amount ${describe(value)}: write cores (0.5, 2) or millicores (500m)`,
    );
  };
  let millicores: number;
  if (typeof value === 'number') millicores = value * 1000;
  else if (typeof value === 'string' && /^\d+m$/.test(value.trim()))
    millicores = Number(value.trim().slice(0, -1));
  else if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()))
    millicores = Number(value.trim()) * 1000;
  else return bad();
  if (!Number.isFinite(millicores) || millicores <= 0) return bad();
  return Math.ceil(millicores);
}

const DOCKER_BYTES = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i;
const DOCKER_UNIT: Record<string, number> = { '': 1, b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** Bytes in a Docker/compose byte value: `512m`, `1gb`, `2048k`, `300` (binary units). */
export function parseDockerBytes(value: unknown): number {
  const bad = (): never => {
    throw new InvalidQuantityError(`invalid byte value ${describe(value)}: write e.g. 512m, 1g or 2048k`);
  };
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value <= 0) return bad();
    return value;
  }
  if (typeof value !== 'string') return bad();
  const match = DOCKER_BYTES.exec(value.trim());
  if (match === null) return bad();
  const bytes = Math.round(Number(match[1]) * (DOCKER_UNIT[(match[2] ?? '').toLowerCase()] ?? Number.NaN));
  if (!Number.isSafeInteger(bytes) || bytes <= 0) return bad();
  return bytes;
}
