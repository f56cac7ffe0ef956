// An app revision: the app exactly as the CLI resolved it, immutable and addressed by its
// digest. It travels with the operation, so the worker renders what the user validated, never
// what a shared directory holds later, and the controller keeps the deployed one for scheduled
// snapshots, restore, failover and migration. It holds secret values (env files, secret
// files), so it only ever travels inside payloads encrypted by Kompox's payload codec.
import type { AppContext } from '../kom/model/project';
import type { Requester } from './operation';

export interface AppRevision {
  /** `sha256:<hex>` of the model and the files; equal digests render equal objects. */
  digest: string;
  createdAt: string;
  createdBy: Requester;
  /** KOM resources and compose model of the app, as loaded and validated by the CLI. */
  context: AppContext;
  /** Contents (base64) of every local file the app references, by the absolute path the model names. */
  files: Record<string, string>;
  /** Compose profiles chosen when the revision was made. */
  profiles: string[];
  /** Size of the model and the files, counted against the revision limit. */
  bytes: number;
}

/** What records and views show of a revision (never its contents). */
export interface RevisionSummary {
  digest: string;
  createdAt: string;
  createdBy: Requester;
  bytes: number;
}

export function summarizeRevision(revision: AppRevision): RevisionSummary {
  const { digest, createdAt, createdBy, bytes } = revision;
  return { digest, createdAt, createdBy, bytes };
}

/** The short form shown in tables: the first 12 hex digits. */
export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
