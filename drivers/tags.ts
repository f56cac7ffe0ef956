// Tag (label) keys Kompox puts on every cloud resource it creates. Tags are the durable record
// (DESIGN §1.5): with Temporal history lost, listing by these keys rebuilds ownership, volume
// membership, the assigned disk and which operation created what. Keys and values are kept
// within the strictest cloud rules (GCP labels: lowercase, digits, `-`, `_`, at most 63 chars),
// and the names follow the Go reference (kompox-reference.md §4.5) so both tools see the same disks.

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
  createdBy: 'kompox-created-by',
} as const;

export type TagKey = (typeof TAG)[keyof typeof TAG];

export const MANAGED_BY_VALUE = 'kompox';
export const CREATED_BY_VALUE = 'kompoxops';

export type Tags = Record<string, string>;

export function assignedTagValue(assigned: boolean): string {
  return assigned ? 'true' : 'false';
}

/** Reads the assigned tag; anything but the exact string `true` means not assigned. */
export function isAssignedTag(tags: Tags): boolean {
  return tags[TAG.assigned] === 'true';
}

/** True when every entry of `filter` is present in `tags` with the same value. */
export function tagsMatch(tags: Tags, filter: Tags): boolean {
  return Object.entries(filter).every(([k, v]) => tags[k] === v);
}

/** User tags must not overwrite the keys Kompox relies on. */
export function isReservedTagKey(key: string): boolean {
  return key === TAG.managedBy || key.startsWith('kompox-');
}
