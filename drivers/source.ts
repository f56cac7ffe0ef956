// The reference's `source` strings (kompox-reference.md §4.3): `[<type>:]<name>` with the types
// `disk:` and `snapshot:` naming Kompox resources of the same app volume. The default type is
// `snapshot:` for `disk create`. Provider ids (an ARM id starting with `/subscriptions/`, or an
// explicit `arm:`, `resourceId:` or `provider:` prefix) import a resource Kompox did not make.

import type { DiskSource } from './driver';
import { invalidArgument } from './errors';

const PROVIDER_PREFIXES = ['arm:', 'resourceid:', 'provider:'];

/** Parses the `source` of `disk create`; undefined or empty means an empty disk. */
export function parseDiskSource(source: string | undefined): DiskSource {
  const s = source?.trim() ?? '';
  if (s === '') return { kind: 'empty' };
  const lower = s.toLowerCase();
  if (lower.startsWith('/subscriptions/')) return { kind: 'provider', id: s };
  for (const prefix of PROVIDER_PREFIXES) {
    if (lower.startsWith(prefix)) return { kind: 'provider', id: nonEmpty(s.slice(prefix.length), s) };
  }
  if (lower.startsWith('snapshot:')) return { kind: 'snapshot', name: nonEmpty(s.slice(9), s) };
  if (lower.startsWith('disk:')) return { kind: 'disk', name: nonEmpty(s.slice(5), s) };
  if (s.includes(':'))
    throw invalidArgument(`unknown source type in "${s}" (use disk:, snapshot: or a provider id)`);
  return { kind: 'snapshot', name: s };
}

/** Parses the `source` of `snapshot create`: a disk name, or undefined for the assigned disk. */
export function parseSnapshotSource(source: string | undefined): string | undefined {
  const s = source?.trim() ?? '';
  if (s === '') return undefined;
  if (s.toLowerCase().startsWith('disk:')) return nonEmpty(s.slice(5), s);
  if (s.includes(':')) throw invalidArgument(`snapshots can only be taken of a disk: "${s}"`);
  return s;
}

/** Formats a source back into the reference's string form (for records and messages). */
export function formatDiskSource(source: DiskSource): string {
  switch (source.kind) {
    case 'empty':
      return '';
    case 'provider':
      return `provider:${source.id}`;
    default:
      return `${source.kind}:${source.name}`;
  }
}

function nonEmpty(name: string, whole: string): string {
  if (name.trim() === '') throw invalidArgument(`source "${whole}" names nothing`);
  return name.trim();
}
