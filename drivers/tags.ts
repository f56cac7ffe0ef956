// Tag (label) keys Kompox puts on every cloud resource it creates. Tags are the durable record
// (DESIGN §1.5): with Temporal history lost, listing by these keys rebuilds ownership, volume
// membership, the assigned disk and which operation created what. Keys and values are kept
// within the strictest cloud rules (GCP labels: lowercase, digits, `-`, `_`, at most 63 chars),
// and the names follow the Go reference (kompox-reference.md §4.5) so both tools see the same disks.
// Values go through tagValue (tag-value.ts) on the way in and in every lookup.
import { invalidArgument } from './errors';
import { sanitizeTagValues, tagValue } from './tag-value';

export const TAG = {
  managedBy: 'managed-by',
  workspace: 'kompox-workspace-name',
  provider: 'kompox-provider-name',
  /** The cluster a resource was created from. Informational only: disks belong to the app, not the cluster, so never filter on it. */
  cluster: 'kompox-cluster-name',
  app: 'kompox-app-name',
  appIdHash: 'kompox-app-id-hash',
  volume: 'kompox-volume',
  diskName: 'kompox-disk-name',
  snapshotName: 'kompox-snapshot-name',
  /** `true` on the one disk per volume that manifests bind; `false` on all others. */
  assigned: 'kompox-disk-assigned',
  /** Digest of the idempotency key (see idempotency.ts): how a retried create finds what it already made. */
  operationKey: 'kompox-operation-key',
  /**
   * Fingerprint of the create request (requestFingerprint in idempotency.ts), on clouds where a
   * retried create finds its resource by the operation-key tag: the same key with another
   * fingerprint is a Conflict, not the same resource.
   */
  requestHash: 'kompox-request-hash',
  createdBy: 'kompox-created-by',
  /** Lineage: the migration (or other operation) that made or kept this resource. */
  lineageOperation: 'kompox-lineage-operation',
  /** Lineage: where the resource came from and went to (`<region>/<zone>` or a cluster name). */
  lineageSource: 'kompox-lineage-source',
  lineageTarget: 'kompox-lineage-target',
  /** Retention: the resource may be pruned after this instant (epoch seconds, a valid label value). */
  keepUntil: 'kompox-keep-until',
} as const;

/** The Kompox keys `updateTags` may change; the others identify a resource and never change after create. */
export const MUTABLE_TAGS: readonly string[] = [
  TAG.lineageOperation,
  TAG.lineageSource,
  TAG.lineageTarget,
  TAG.keepUntil,
];

export type TagKey = (typeof TAG)[keyof typeof TAG];

export const MANAGED_BY_VALUE = 'kompox';
export const CREATED_BY_VALUE = 'kompoxops';

export type Tags = Record<string, string>;

export function assignedTagValue(assigned: boolean): string {
  return assigned ? 'true' : 'false';
}

/**
 * The tags every disk or snapshot Kompox creates carries: who made it, whose it is (workspace,
 * provider, app, volume), its Kompox name under `nameTag`, and the digest of the operation key.
 * Raw values: write them through tagsToWrite.
 */
export function systemTags(
  scope: { workspace: string; provider: string; cluster: string },
  ref: { app: string; volume: string },
  nameTag: string,
  name: string,
  digest: string,
): Tags {
  return {
    [TAG.managedBy]: MANAGED_BY_VALUE,
    [TAG.workspace]: scope.workspace,
    [TAG.provider]: scope.provider,
    [TAG.cluster]: scope.cluster,
    [TAG.app]: ref.app,
    [TAG.volume]: ref.volume,
    [nameTag]: name,
    [TAG.operationKey]: digest,
    [TAG.createdBy]: CREATED_BY_VALUE,
  };
}

/** Reads the assigned tag; anything but the exact string `true` means not assigned. */
export function isAssignedTag(tags: Tags): boolean {
  return tags[TAG.assigned] === 'true';
}

/** The tags as written to the cloud: every value made valid for the strictest cloud. */
export function tagsToWrite(tags: Tags): Tags {
  return sanitizeTagValues(tags);
}

/** True when every entry of `filter` (raw values, as callers know them) is present in the written `tags`. */
export function tagsMatch(tags: Tags, filter: Tags): boolean {
  // The raw value too: resources tagged before values were sanitised still carry it.
  return Object.entries(filter).every(([k, v]) => tags[k] === tagValue(v) || tags[k] === v);
}

// GCP label keys: a lowercase letter first, then lowercase letters, digits, `_` or `-`; at most 63.
const TAG_KEY = /^[a-z][a-z0-9_-]{0,62}$/;

/** Why a user tag key cannot be written to every cloud, or undefined when it can. */
export function userTagKeyProblem(key: string): string | undefined {
  if (isReservedTagKey(key)) return `tag "${key}" is reserved for Kompox`;
  if (!TAG_KEY.test(key))
    return `tag key "${key}" must start with a lowercase letter and hold only lowercase letters, digits, _ and - (at most 63), as GCP labels require`;
  return undefined;
}

/** Why `updateTags` may not set or remove `key`, or undefined when it may. */
export function tagChangeProblem(key: string): string | undefined {
  if (MUTABLE_TAGS.includes(key)) return undefined;
  if (key === TAG.assigned) return `tag "${key}" changes only through setDiskAssigned`;
  return userTagKeyProblem(key);
}

/** The tags after `change`, raw values sanitised; InvalidArgument naming the first key it may not touch. */
export function applyTagChange(tags: Tags, change: { set?: Tags; remove?: string[] }): Tags {
  for (const key of [...Object.keys(change.set ?? {}), ...(change.remove ?? [])]) {
    const problem = tagChangeProblem(key);
    if (problem !== undefined) throw invalidArgument(problem);
  }
  const next = { ...tags };
  for (const key of change.remove ?? []) delete next[key];
  Object.assign(next, tagsToWrite(change.set ?? {}));
  return next;
}

/** User tags must not overwrite the keys Kompox relies on. */
export function isReservedTagKey(key: string): boolean {
  return key === TAG.managedBy || key.startsWith('kompox-');
}
