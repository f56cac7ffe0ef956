// An App: one compose project deployed as one single-replica Pod in its own namespace, with
// its data on Kompox-managed volumes.
import type { FailoverPolicy } from './failover-policy';
import type { NetworkPolicySpec } from './network-policy';
import type { ResourceMeta } from './resources';
import type { SnapshotPolicy } from './snapshot-policy';

/** `spec.compose`: a file next to the app file, or the compose YAML inline. */
export type ComposeSource = { kind: 'file'; path: string } | { kind: 'inline'; text: string };

export type VolumeType = 'disk' | 'files';
export const VOLUME_TYPES: readonly VolumeType[] = ['disk', 'files'];

export interface AppVolume {
  /** DNS label of at most 16 characters. */
  name: string;
  sizeBytes: number;
  /** `disk` (RWO block disk, the default) or `files` (RWX file share). */
  type: VolumeType;
  /** Passed to the driver as is (sku, iops, mbps, protocol, quotaGiB...). */
  options: Record<string, string>;
}

export interface AppDeployment {
  /** Node pools the pod may run on; at least one (default `user`). */
  pools: string[];
  /** Zones the pod may run on; empty means any. */
  zones: string[];
  /** The zone new disks are created in: `zone`, else the first of `zones`. */
  zone?: string;
}

export interface AppIngressRule {
  /** Service port name, `^[a-z][-a-z0-9]{0,14}$`. */
  name: string;
  /** A compose host port. */
  port: number;
  /** Custom host names; the generated default-domain host is always added by the converter. */
  hosts: string[];
}

export interface AppIngress {
  certResolver?: string;
  rules: AppIngressRule[];
}

export interface App extends ResourceMeta {
  kind: 'App';
  clusterId: string;
  compose: ComposeSource;
  /**
   * Base for local file references: `file:///abs/dir/` for apps declared in the app file,
   * `''` for apps from other KOM files (they may not reference local files).
   */
  refBase: string;
  ingress: AppIngress;
  volumes: AppVolume[];
  deployment: AppDeployment;
  networkPolicy: NetworkPolicySpec;
  /** Carried for drivers; unused by the converter. */
  resources: Record<string, string>;
  settings: Record<string, string>;
  /** Absent when the App has no `spec.snapshots`. */
  snapshots?: SnapshotPolicy;
  failover: FailoverPolicy;
}
