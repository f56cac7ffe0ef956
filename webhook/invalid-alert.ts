// A body the receiver cannot turn into alerts: the sender gets 400 with the message, which
// names the field, so whoever configured the source can see what to fix.
export class InvalidAlertError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAlertError';
  }
}

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function requireObject(v: unknown, field: string): JsonObject {
  if (!isObject(v)) throw new InvalidAlertError(`${field}: expected an object`);
  return v;
}

export function requireString(obj: JsonObject, key: string, path: string): string {
  const v = obj[key];
  if (typeof v !== 'string' || v === '')
    throw new InvalidAlertError(`${path}${key}: expected a non-empty string`);
  return v;
}

export function optionalString(obj: JsonObject, key: string): string | undefined {
  const v = obj[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Label values as strings; anything that is not a string or number is left out. */
export function stringLabels(v: unknown): Record<string, string> {
  if (!isObject(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === 'string' && val !== '') out[k] = val;
    else if (typeof val === 'number') out[k] = String(val);
  }
  return out;
}
