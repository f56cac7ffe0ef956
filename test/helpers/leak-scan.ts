// Looks for a secret in what Temporal stores (histories, schedules, visibility records) as the
// server returns it, payloads not decoded: every string and byte field is searched for the
// secret itself and for the forms it takes inside other text.
import type { temporal } from '@temporalio/proto';

type Payload = temporal.api.common.v1.IPayload;

/**
 * The value raw and JSON-escaped, and each of those as hex and as the part of its base64
 * (standard and URL-safe) that does not depend on its neighbours, for each of the three
 * alignments it can have in a longer text.
 */
export function leakForms(value: string): Buffer[] {
  const texts = [...new Set([value, JSON.stringify(value).slice(1, -1)])];
  const forms: string[] = [];
  for (const t of texts) {
    const bytes = Buffer.from(t);
    forms.push(t, bytes.toString('hex'), bytes.toString('hex').toUpperCase());
    for (let align = 0; align < 3; align++) {
      const padded = Buffer.concat([Buffer.alloc(align, 'x'), bytes]);
      const stable = (enc: 'base64' | 'base64url') =>
        padded.toString(enc).slice(align === 0 ? 0 : 4, 4 * Math.floor((align + bytes.length) / 3));
      forms.push(stable('base64'), stable('base64url'));
    }
  }
  return [...new Set(forms)].filter((f) => f.length >= 8).map((f) => Buffer.from(f));
}

/** Every string and byte field below `root`, as bytes, with where it was. */
export function fieldsOf(root: unknown): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = [];
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'string') out.push({ path, bytes: Buffer.from(v) });
    else if (v instanceof Uint8Array) out.push({ path, bytes: Buffer.from(v) });
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(root, '');
  return out;
}

/** Where below `root` any form of `value` appears ("" when nowhere). */
export function findLeak(root: unknown, value: string): string {
  const forms = leakForms(value);
  for (const { path, bytes } of fieldsOf(root)) {
    const form = forms.find((f) => bytes.includes(f));
    if (form) return `${path} holds "${form.toString()}"`;
  }
  return '';
}

/** Every payload below `root` (an object with metadata and data), with where it was. */
export function payloadsOf(root: unknown): { path: string; payload: Payload }[] {
  const out: { path: string; payload: Payload }[] = [];
  const walk = (v: unknown, path: string): void => {
    if (!v || typeof v !== 'object' || v instanceof Uint8Array) return;
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${path}[${i}]`));
    const o = v as Record<string, unknown>;
    if (o.metadata && typeof o.metadata === 'object' && o.data instanceof Uint8Array) {
      out.push({ path, payload: o as Payload });
      return;
    }
    for (const [k, x] of Object.entries(o)) walk(x, `${path}.${k}`);
  };
  walk(root, '');
  return out;
}
