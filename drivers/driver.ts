// The ProviderDriver contract: everything activities need from a cloud's block disks, written
// against all five providers (local, eks, aks, gke, oke, k3s) so the workflows never learn which
// one they run on. See cloud-drivers.md §5 for how each cloud maps onto these calls.
//
// Rules every implementation keeps (DESIGN §1, principles 4-6):
// - Stateless: a driver holds configuration only. All state lives in the cloud (resources and
//   their `kompox-*` tags, see tags.ts), so any worker can pick up any call.
// - Every create takes an idempotency key. A retried create with the same key returns the same
//   resource, never a second one: clouds with tokens use them (idempotency.ts), the others look
//   up by the operation-key tag first.
// - Deletes treat NotFound as success, and refuse an assigned or attached disk even though the
//   caller has already checked (the check is cheap, the loss is not).
// - Long operations return an OperationHandle (long-operation.ts) the activity heartbeats and
//   resumes from; `poll` advances it. Nothing blocks for minutes inside one call.
// - Errors are DriverErrors with a code (errors.ts): throttling and transient faults are
//   retryable, everything else (bad zone, bad size, denied, missing credentials) fails fast.
// - A create the cloud cannot make idempotent (no token, server-chosen ids) records its intent
//   before the call and finds its resource by the operation-key tag after a retry
//   (create-intent.ts), so a worker killed between the call and its first heartbeat never makes
//   a second resource.

import type { KubeConfig } from '@kubernetes/client-node';
import type { IntentLog } from './create-intent';
import type { JsonObject, OperationHandle, OperationKind, PollResult } from './long-operation';
import type { Tags } from './tags';

/** What a driver is built from: the KOM Provider and Cluster settings plus names. */
export interface DriverContext {
  workspace: string;
  provider: string;
  cluster: string;
  /** Provider `spec.settings` (for example `AZURE_SUBSCRIPTION_ID`, `LOCAL_ROOT`). */
  providerSettings: Readonly<Record<string, string>>;
  /** Cluster `spec.settings` (for example the cluster's region). */
  clusterSettings: Readonly<Record<string, string>>;
  /** Directory for state of drivers that keep it on disk (the dev directory); clouds ignore it. */
  stateDir: string;
  /**
   * Called repeatedly while one call does long work in this process (the local driver streaming
   * a disk into or out of an archive), so an activity can heartbeat during it.
   */
  onProgress?: (progress: { bytes: number }) => void;
  /**
   * `local` only: stops the machine behind one of the cluster's nodes (the dev stack's real
   * nodes), as a cloud stops a VM to fence it; false for a node it has no machine for.
   */
  powerOffNode?: (nodeName: string) => Promise<boolean>;
  /**
   * Drivers that keep disks as Kubernetes objects (`k3s`): the Cluster's kubeconfig, as the
   * worker configuration routes it. Called only when the driver needs the cluster.
   */
  kubeConfig?: () => Promise<KubeConfig>;
  /**
   * `eks`: which credentials of the AWS SDK's standard chain to use, as the worker configuration
   * says (a shared-config profile, or the default chain when `profile` is absent).
   */
  aws?: { profile?: string };
}

/**
 * What the driver can do at all. What depends on the region or the disk SKU (zone-redundant
 * SKUs, the zones a SKU is offered in) is asked with `diskOffering`.
 */
export interface Capabilities {
  /**
   * The cloud can detach a disk from a VM that does not answer (AWS Force, Azure ForceDetach).
   * When false, `beginForceDetach` does the best plain detach the cloud offers (GCP detachDisk,
   * OCI detachVolume: both work once the VM is stopped or gone, so fence first); a driver with
   * no detach call at all (generic CSI) throws `Unsupported`, and the caller relies on the
   * Kubernetes out-of-service taint instead.
   */
  forceDetach: boolean;
  /** `beginFenceNode` can stop a node's VM so it cannot write to a disk any more. */
  fence: boolean;
  /** Some SKU somewhere gives disks usable from several zones (Azure ZRS, GCP regional PD). */
  zoneRedundantDisks: boolean;
  /** Snapshots store only the blocks changed since the previous one. */
  incrementalSnapshots: boolean;
  /** `beginCopySnapshot` to another region works (GCP: snapshots are global, the copy is a no-op record). */
  crossRegionCopy: boolean;
  /** A disk can be created from another disk (a clone) without a snapshot in between. */
  diskFromDisk: boolean;
  /** `getInstanceState` can tell whether the VM behind a node is running or stopped. */
  instanceState: boolean;
}

// ---------------------------------------------------------------------------------------------
// Zones and regions

/**
 * One zone in its three spellings: the KOM name users write (`deployment.zone`), the provider's
 * API name, and the value nodes carry in `topology.kubernetes.io/zone` (cloud-drivers.md §5:
 * Azure '1' / '1' / 'eastus2-1'; AWS 'us-east-1a' thrice; OCI 'AD-1' / 'Uocm:PHX-AD-1' / 'PHX-AD-1').
 */
export interface ZoneInfo {
  kom: string;
  provider: string;
  topology: string;
  region: string;
}

export interface RegionInfo {
  name: string;
  zones: ZoneInfo[];
}

/** Where a disk with given options can live in one region. */
export interface DiskOffering {
  region: string;
  /** A disk of these options spans `zones` (Azure ZRS: all of them; GCP regional PD: two). */
  zoneRedundant: boolean;
  /** Zones a disk of these options can be placed in (or, when zone-redundant, spans). */
  zones: ZoneInfo[];
}

// ---------------------------------------------------------------------------------------------
// Disks and snapshots

/** A disk or snapshot of a logical volume is addressed by Kompox names, never by cloud ids. */
export interface VolumeRef {
  app: string;
  volume: string;
}

export interface DiskRef extends VolumeRef {
  name: string;
}

export interface SnapshotRef extends VolumeRef {
  name: string;
}

/** Lifecycle of a cloud resource as the driver reports it. */
export type ResourceState = 'creating' | 'ready' | 'deleting' | 'failed';

/** Where a new disk's content comes from (the parsed form of the reference's `source` string, see source.ts). */
export type DiskSource =
  | { kind: 'empty' }
  | { kind: 'snapshot'; name: string }
  | { kind: 'disk'; name: string }
  /** A provider resource id (ARM id, snapshot id, OCID) to import from outside Kompox. */
  | { kind: 'provider'; id: string };

export type DiskOptions = Record<string, string | number | boolean>;

export interface CreateDiskRequest extends VolumeRef {
  /** Kompox disk name; derived from the idempotency key when omitted. */
  name?: string;
  /** Zone in any spelling `resolveZone` accepts; a provider default when omitted. */
  zone?: string;
  sizeBytes: number;
  source?: DiskSource;
  /** Provider options, e.g. `{ sku: 'Premium_ZRS' }`, `{ type: 'gp3', iops: 3000 }`. */
  options?: DiskOptions;
  /** Extra user tags; `kompox-*` keys are reserved. */
  tags?: Tags;
  assigned?: boolean;
  /** Derived from the operation by the caller; see the rules at the top of this file. */
  idempotencyKey: string;
}

/** Disk fields follow the reference's VolumeDisk JSON (name, volumeName, assigned, size, zone, handle, createdAt). */
export interface Disk {
  name: string;
  volumeName: string;
  appName: string;
  assigned: boolean;
  /** Bytes. */
  size: number;
  /** KOM zone name; empty for a zone-redundant disk. */
  zone: string;
  /** KOM names of every zone the disk can attach in: one for a zonal disk, more when zone-redundant. */
  zones: string[];
  region: string;
  zoneRedundant: boolean;
  /** The provider's identifier, used as the PV's volumeHandle (local: absolute path of the data dir). */
  handle: string;
  state: ResourceState;
  createdAt: string;
  updatedAt: string;
  options: DiskOptions;
  tags: Tags;
  source?: { kind: 'snapshot' | 'disk' | 'provider'; name: string; handle: string };
}

/** Selects the resources of one app: one volume, or all of them when `volume` is omitted. */
export interface VolumeFilter {
  app: string;
  volume?: string;
  /** Further tags every result must carry. */
  tags?: Tags;
}

export interface Attachment {
  /** Provider instance id (EC2 instance id, VMSS VM id, GCE instance URL, OCID). */
  instanceId: string;
  /** Kubernetes node name when the driver can tell. */
  nodeName?: string;
  state: 'attaching' | 'attached' | 'detaching';
}

export interface ForceDetachRequest {
  disk: DiskRef;
  /** Detach only from this instance; all attachments when omitted. */
  instanceId?: string;
}

export interface CreateSnapshotRequest extends VolumeRef {
  /** Kompox snapshot name; derived from the idempotency key when omitted. */
  name?: string;
  /** The disk to snapshot; the volume's assigned disk when omitted. */
  disk?: string;
  /** Ask for an incremental snapshot where the provider offers a choice; ignored elsewhere. */
  incremental?: boolean;
  tags?: Tags;
  idempotencyKey: string;
}

/** Snapshot fields follow the reference's VolumeSnapshot JSON plus readiness and lineage. */
export interface Snapshot {
  name: string;
  volumeName: string;
  appName: string;
  /** Bytes of data captured (local: sum of file sizes). */
  size: number;
  region: string;
  handle: string;
  state: ResourceState;
  ready: boolean;
  incremental: boolean;
  createdAt: string;
  updatedAt: string;
  sourceDisk: { name: string; handle: string };
  /** Set on a cross-region copy. */
  copiedFrom?: { name: string; region: string; handle: string };
  tags: Tags;
}

export interface CopySnapshotRequest {
  snapshot: SnapshotRef;
  targetRegion: string;
  /** Name of the copy; `<source>-<region>` when omitted. */
  targetName?: string;
  idempotencyKey: string;
}

// ---------------------------------------------------------------------------------------------
// PersistentVolume source and fencing

/**
 * Everything kube/ needs to build a static PersistentVolume for a disk. Exactly one of `csi`
 * and `hostPath` is set. `topology` is absent for a disk usable from any zone.
 */
export interface PvSource {
  volumeHandle: string;
  capacityBytes: number;
  accessModes: ['ReadWriteOnce'];
  volumeMode: 'Filesystem' | 'Block';
  storageClassName?: string;
  csi?: { driver: string; fsType?: string; volumeAttributes: Record<string, string> };
  hostPath?: { path: string; type: 'Directory' | 'DirectoryOrCreate' };
  /**
   * Node affinity: `key In values` (e.g. topology.gke.io/zone In [a, b] for a regional disk).
   * `alsoKeys` are other labels that carry the same values on the nodes that can attach the
   * disk (EBS: `topology.ebs.csi.aws.com/zone` besides `topology.kubernetes.io/zone`); the PV
   * gets one node selector term per key, and terms are ORed, so a node with any of them
   * matches. Pods are placed by `key` alone.
   */
  topology?: { key: string; values: string[]; alsoKeys?: string[] };
}

/** What the cloud says about the VM behind a node; `unknown` when it cannot tell. */
export type InstanceState = 'running' | 'stopping' | 'stopped' | 'terminated' | 'unknown';

export interface InstanceRef {
  nodeName: string;
  /** Node `spec.providerID`; the driver derives the instance from it where it can. */
  providerId?: string;
}

/** A resource whose tags `updateTags` changes. */
export type TaggedResource = { kind: 'disk'; ref: DiskRef } | { kind: 'snapshot'; ref: SnapshotRef };

export interface TagChange {
  /** Values to set (raw; the driver sanitises them like every tag it writes). */
  set?: Tags;
  /** Keys to remove. */
  remove?: string[];
}

export interface FenceRequest {
  nodeName: string;
  /** Node `spec.providerID` (aws:///us-east-1a/i-..., azure:///subscriptions/..., gce://...). */
  providerId?: string;
}

// ---------------------------------------------------------------------------------------------
// The interface

/** What each long operation yields when done. */
export interface OperationResults {
  createDisk: Disk;
  resizeDisk: Disk;
  deleteDisk: null;
  createSnapshot: Snapshot;
  deleteSnapshot: null;
  copySnapshot: Snapshot;
  forceDetach: null;
  fenceNode: null;
}

export interface ProviderDriver {
  /** Driver name as registered: local, eks, aks, gke, oke, k3s. */
  readonly driverName: string;
  readonly capabilities: Capabilities;

  listRegions(): Promise<RegionInfo[]>;
  /**
   * Where disks of `options` can live in `region` (the home region when omitted).
   * InvalidArgument for an unknown region or an option value the cloud does not offer.
   */
  diskOffering(req: { region?: string; options?: DiskOptions }): Promise<DiskOffering>;
  /** Accepts a KOM, provider or topology zone name; InvalidArgument if the zone is unknown. */
  resolveZone(zone: string): Promise<ZoneInfo>;

  /** Starts (or, with the same idempotency key, finds) a disk creation. */
  beginCreateDisk(req: CreateDiskRequest): Promise<OperationHandle<'createDisk'>>;
  getDisk(ref: DiskRef): Promise<Disk>;
  /** Disks of a volume (or app), newest first (ties: name ascending), from every region the driver sees. */
  listDisks(filter: VolumeFilter): Promise<Disk[]>;
  /** InUse if assigned or attached; done at once (and null) if the disk does not exist. */
  beginDeleteDisk(ref: DiskRef): Promise<OperationHandle<'deleteDisk'>>;
  /**
   * Grows a disk to `sizeBytes` (every cloud only grows; smaller is InvalidArgument, equal is a
   * no-op). The file system is grown by the CSI node plugin on the next mount, not here.
   */
  beginResizeDisk(ref: DiskRef, sizeBytes: number): Promise<OperationHandle<'resizeDisk'>>;
  /** Sets the assigned tag on one disk. Keeping one assigned disk per volume is the caller's job. */
  setDiskAssigned(ref: DiskRef, assigned: boolean): Promise<Disk>;
  listAttachments(ref: DiskRef): Promise<Attachment[]>;
  /** See Capabilities.forceDetach for what this does on each cloud. */
  beginForceDetach(req: ForceDetachRequest): Promise<OperationHandle<'forceDetach'>>;

  /**
   * Starts (or, with the same idempotency key, finds) a snapshot. Drivers whose cloud has no
   * token for it record an intent in `intents` before the call (see create-intent.ts).
   */
  beginCreateSnapshot(
    req: CreateSnapshotRequest,
    intents?: IntentLog,
  ): Promise<OperationHandle<'createSnapshot'>>;
  getSnapshot(ref: SnapshotRef): Promise<Snapshot>;
  /** Snapshots of a volume (or app), all regions, newest first (ties: name ascending). */
  listSnapshots(filter: VolumeFilter): Promise<Snapshot[]>;
  /** InUse while a copy or a disk creation reads it; done at once if it does not exist. */
  beginDeleteSnapshot(ref: SnapshotRef): Promise<OperationHandle<'deleteSnapshot'>>;
  /** Copies a ready snapshot into another region; same idempotency rules as beginCreateSnapshot. */
  beginCopySnapshot(req: CopySnapshotRequest, intents?: IntentLog): Promise<OperationHandle<'copySnapshot'>>;

  /**
   * Sets and removes tags on a disk or snapshot: user keys and the lineage keys (`MUTABLE_TAGS`
   * in tags.ts). Keys that identify the resource (app, volume, name, operation key) are refused.
   */
  updateTags(resource: TaggedResource, change: TagChange): Promise<Tags>;

  pvSource(disk: Disk): PvSource;

  /** Unsupported unless capabilities.fence. Stopping an already stopped VM is done at once. */
  beginFenceNode(req: FenceRequest): Promise<OperationHandle<'fenceNode'>>;
  /** `unknown` unless capabilities.instanceState; a VM the cloud no longer has is `terminated`. */
  getInstanceState(ref: InstanceRef): Promise<InstanceState>;

  /** Advances any operation this driver started, also one restored from a heartbeat. */
  poll<K extends OperationKind>(op: OperationHandle<K>): Promise<PollResult<K>>;
}

export type { JsonObject, OperationHandle, OperationKind, PollResult };
