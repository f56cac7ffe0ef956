// What an operation needs to know about an app besides its revision: who it is (the app key),
// where its disks live (provider) and where it runs (cluster), its volumes and snapshot policy.
// The CLI derives it from the app revision it sends; scheduled runs and alerts use the one the
// controller keeps from the last deploy.
import type { SnapshotPolicy } from '../kom/model/snapshot-policy';

export interface ProviderTarget {
  /** Provider Resource ID, e.g. /ws/acme/prv/local */
  id: string;
  name: string;
  driver: string;
  settings: Record<string, string>;
}

export interface ClusterTarget {
  id: string;
  name: string;
  existing: boolean;
  settings: Record<string, string>;
}

export interface VolumeTarget {
  name: string;
  sizeBytes: number;
  type: 'disk' | 'files';
  options: Record<string, string>;
}

export interface AppTarget {
  /** `ws/prv/app`: the scope of the app's disks and namespace, and the key of its controller. */
  appKey: string;
  /** App Resource ID, e.g. /ws/acme/prv/local/cls/dev/app/wiki: the app on one cluster. */
  appId: string;
  workspace: string;
  appName: string;
  provider: ProviderTarget;
  cluster: ClusterTarget;
  volumes: VolumeTarget[];
  /** KOM spec.snapshots: consistency, hook, retention, schedule. Absent: crash-consistent, keep all. */
  snapshots?: SnapshotPolicy;
  /** Zone the app starts in before it has disks (KOM spec.deployment.zone). */
  deploymentZone?: string;
}

export function volumeOf(target: AppTarget, volume: string): VolumeTarget | undefined {
  return target.volumes.find((v) => v.name === volume);
}
