// What a workflow needs to know about an app, resolved from the KOM by the caller at request
// time. It is plain data that lands in workflow history, so it carries references (file
// paths, setting names) and never secret values.
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
  /** App Resource ID, e.g. /ws/acme/prv/local/cls/dev/app/wiki */
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
  /**
   * Where the KOM was loaded from, so activities can load it again (compose, env files and
   * secrets are read there, at apply time, and never travel through history).
   */
  project: ProjectSource;
}

export interface ProjectSource {
  /** Working directory the CLI loaded the project from. */
  cwd: string;
  kompoxRoot?: string;
  kompoxDir?: string;
  komApp?: string;
  komPath?: string[];
}

export function volumeOf(target: AppTarget, volume: string): VolumeTarget | undefined {
  return target.volumes.find((v) => v.name === volume);
}
