// The k3s provider's settings (Provider `spec.settings`; a Cluster setting of the same key wins,
// as for `local`). Every K3S_* key is checked, so a misspelt setting is refused instead of
// silently falling back to a default.
import type { DriverContext } from '../driver';
import { invalidArgument } from '../errors';

export interface K3sSettings {
  /** StorageClass disks are provisioned with; the cluster's default when undefined. */
  storageClass?: string;
  /** VolumeSnapshotClass snapshots are taken with; the default one for the provisioner when undefined. */
  snapshotClass?: string;
  /** Namespace holding the disks' claims and VolumeSnapshots. */
  diskNamespace: string;
}

export const K3S_SETTING = {
  storageClass: 'K3S_STORAGE_CLASS',
  snapshotClass: 'K3S_SNAPSHOT_CLASS',
  diskNamespace: 'K3S_DISK_NAMESPACE',
} as const;

export const DEFAULT_DISK_NAMESPACE = 'kompox-disks';

const KNOWN: readonly string[] = Object.values(K3S_SETTING);
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;

export function readK3sSettings(ctx: DriverContext): K3sSettings {
  const merged: Record<string, string> = { ...ctx.providerSettings, ...ctx.clusterSettings };
  const unknown = Object.keys(merged).filter((k) => k.startsWith('K3S_') && !KNOWN.includes(k));
  if (unknown.length > 0) {
    throw invalidArgument(
      `unknown k3s setting${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${KNOWN.join(', ')})`,
      { setting: unknown[0]! },
    );
  }
  const value = (key: string): string | undefined => {
    const v = merged[key]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const storageClass = value(K3S_SETTING.storageClass);
  const snapshotClass = value(K3S_SETTING.snapshotClass);
  const diskNamespace = value(K3S_SETTING.diskNamespace) ?? DEFAULT_DISK_NAMESPACE;
  for (const [key, v] of [
    [K3S_SETTING.storageClass, storageClass],
    [K3S_SETTING.snapshotClass, snapshotClass],
  ] as const) {
    if (v !== undefined && !DNS_SUBDOMAIN.test(v))
      throw invalidArgument(`${key} "${v}" is not a valid Kubernetes object name`, { setting: key });
  }
  if (!DNS_LABEL.test(diskNamespace)) {
    throw invalidArgument(`${K3S_SETTING.diskNamespace} "${diskNamespace}" is not a valid namespace name`, {
      setting: K3S_SETTING.diskNamespace,
    });
  }
  return {
    diskNamespace,
    ...(storageClass === undefined ? {} : { storageClass }),
    ...(snapshotClass === undefined ? {} : { snapshotClass }),
  };
}
