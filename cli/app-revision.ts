// Packs the app the CLI loaded into an immutable revision: the resolved model plus the content
// of every file it references, addressed by a sha256 digest. What the worker renders is then
// exactly what the user validated here, wherever the worker runs.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { AppContext } from '../kom';
import { referencedFiles } from '../kom';
import type { AppRevision } from '../api/app-revision';
import type { Requester } from '../api/operation';
import { localRequester } from '../client/requester';
import { usageError } from './exit-codes';

/** Temporal keeps payloads under 2 MB; base64 and the request around the revision need room. */
export const DEFAULT_REVISION_LIMIT_BYTES = 1024 * 1024;

export interface RevisionOptions {
  requester?: Requester;
  limitBytes?: number;
}

export function buildRevision(context: AppContext, opts: RevisionOptions = {}): AppRevision {
  const files: Record<string, string> = {};
  const sizes: { what: string; bytes: number }[] = [];
  for (const file of referencedFiles(context)) {
    let content: Buffer;
    try {
      content = fs.readFileSync(file.absolutePath);
    } catch (err) {
      if (!file.required && (err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw usageError(`cannot read the ${file.what} ${file.absolutePath}: ${(err as Error).message}`);
    }
    files[file.absolutePath] = content.toString('base64');
    sizes.push({ what: `${file.what} (${file.absolutePath})`, bytes: content.length });
  }
  // The compose profiles chosen decide which services run, so they are part of the digest.
  const profiles = [...context.profiles];
  const model = canonicalJson({ context, files, profiles });
  const modelBytes = Buffer.byteLength(canonicalJson(context));
  const bytes = modelBytes + sizes.reduce((sum, s) => sum + s.bytes, 0);
  const limit = opts.limitBytes ?? revisionLimit();
  if (bytes > limit) {
    const largest = [...sizes, { what: 'app model (KOM and compose)', bytes: modelBytes }]
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 3)
      .map((s) => `${s.what}: ${s.bytes} bytes`)
      .join('; ');
    throw usageError(
      `the app revision of ${context.app.id} is ${bytes} bytes, over the limit of ${limit} bytes; largest: ${largest}. ` +
        'Keep large files out of configs, secrets and env files (put data on a volume), or raise KOMPOX_REVISION_LIMIT_BYTES',
    );
  }
  return {
    digest: `sha256:${createHash('sha256').update(model).digest('hex')}`,
    createdAt: new Date().toISOString(),
    createdBy: opts.requester ?? localRequester(),
    context,
    files,
    profiles,
    bytes,
  };
}

function revisionLimit(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KOMPOX_REVISION_LIMIT_BYTES;
  if (raw === undefined || raw === '') return DEFAULT_REVISION_LIMIT_BYTES;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw usageError(`KOMPOX_REVISION_LIMIT_BYTES=${raw}: give a whole number of bytes`);
  return n;
}

/** JSON with object keys sorted, so equal content always hashes equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}
