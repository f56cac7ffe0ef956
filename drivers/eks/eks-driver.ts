// The `eks` provider: disks are EBS volumes, snapshots are EBS snapshots, fencing stops the EC2
// instance behind a node. Everything Kompox knows is in the resources' `kompox-*` tags, so the
// driver holds only configuration and its per-region clients (ec2-calls.ts); long operations
// resume from ids and a region in the handle (cloud-drivers.md §0.4).
//
// Idempotency: CreateVolume takes the key's digest as ClientToken, and every create first looks
// for a resource with the operation-key tag (moto ignores ClientToken, and EC2 remembers a token
// only for a while); the request fingerprint tag tells a retry from a different request under the
// same key. CreateSnapshot and CopySnapshot have no token: they record an intent first and find
// what an earlier attempt made by its tag (create-intent.ts).
import {
  CopySnapshotCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DeleteSnapshotCommand,
  DeleteTagsCommand,
  DeleteVolumeCommand,
  DetachVolumeCommand,
  EC2Client,
  ModifyVolumeCommand,
  type TagSpecification,
  type Volume,
} from '@aws-sdk/client-ec2';
import {
  assignedDiskInUse,
  attachedDiskInUse,
  checkName,
  checkSameRequest,
  checkUserTags,
  newestFirst,
  oldest,
  soleAssignedDisk,
} from '../common';
import { type IntentLog, findOrCreate } from '../create-intent';
import type {
  Attachment,
  Capabilities,
  CopySnapshotRequest,
  CreateDiskRequest,
  CreateSnapshotRequest,
  Disk,
  DiskOffering,
  DiskOptions,
  DiskRef,
  DriverContext,
  FenceRequest,
  ForceDetachRequest,
  InstanceRef,
  InstanceState,
  ProviderDriver,
  PvSource,
  RegionInfo,
  Snapshot,
  SnapshotRef,
  TagChange,
  TaggedResource,
  VolumeFilter,
  VolumeRef,
  ZoneInfo,
} from '../driver';
import { DriverError, invalidArgument, notFound } from '../errors';
import { keyDigest, keyName, requestFingerprint, validateIdempotencyKey } from '../idempotency';
import type { JsonObject, OperationHandle, OperationKind, PollResult } from '../long-operation';
import {
  MANAGED_BY_VALUE,
  TAG,
  type Tags,
  applyTagChange,
  assignedTagValue,
  systemTags,
  tagsToWrite,
} from '../tags';
import { GiB, checkSize, ebsOptions, sizeGiB } from './ebs-options';
import { pollEbs } from './ebs-poll';
import {
  EBS_TAG,
  attachmentsOf,
  ec2SnapshotToSnapshot,
  tagList,
  tagSpec,
  tagsOf,
  volumeToDisk,
} from './ebs-records';
import { Ec2Calls, type Found } from './ec2-calls';
import { type EksSettings, readEksSettings } from './settings';
import { instanceByNodeName, instanceOf, instanceState, stopInstance } from './instances';
import { EksZones, zoneInfo } from './zones';

export const EKS_DRIVER_NAME = 'eks';
export const EBS_CSI_DRIVER = 'ebs.csi.aws.com';
export const EKS_TOPOLOGY_KEY = 'topology.kubernetes.io/zone';
/** Deprecated by the EBS CSI driver but still published by its node plugin. */
export const EBS_CSI_TOPOLOGY_KEY = 'topology.ebs.csi.aws.com/zone';

export interface EksDriverOptions {
  /** How long EC2 listings and describes may lag behind a create (default 15 s). */
  consistencyWindowMs?: number;
  /** Pause between lookups while waiting for a create an earlier attempt may have made (default 1 s). */
  lookupIntervalMs?: number;
  /** Attempts the SDK makes per call (default: the SDK's 3). */
  maxAttempts?: number;
  /** Pause before a throttled snapshot create or copy is sent again (default 500 ms, then twice that). */
  throttleBackoffMs?: number;
}

const SNAPSHOT_ID = /^snap-[0-9a-f]{8,17}$/;

interface VolumeRec extends Found<Volume> {
  disk: Disk;
}

export class EksDriver implements ProviderDriver {
  readonly driverName = EKS_DRIVER_NAME;
  readonly capabilities: Capabilities = {
    forceDetach: true,
    fence: true,
    zoneRedundantDisks: false,
    incrementalSnapshots: true,
    crossRegionCopy: true,
    diskFromDisk: false,
    instanceState: true,
  };

  readonly settings: EksSettings;
  private readonly ec2: Ec2Calls;
  private readonly window: number;
  private zonesPromise?: Promise<EksZones>;

  constructor(
    private readonly ctx: DriverContext,
    private readonly options: EksDriverOptions = {},
  ) {
    this.settings = readEksSettings(ctx);
    this.window = options.consistencyWindowMs ?? 15_000;
    this.ec2 = new Ec2Calls({
      ...(this.settings.profile === undefined ? {} : { profile: this.settings.profile }),
      ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
      ...(options.throttleBackoffMs === undefined ? {} : { throttleBackoffMs: options.throttleBackoffMs }),
    });
  }

  /** The home region and the others the driver sees, with their zones (looked up once). */
  private zones(): Promise<EksZones> {
    if (this.zonesPromise === undefined) {
      this.zonesPromise = EksZones.load(this.settings, (r) => this.ec2.availabilityZones(r));
      this.zonesPromise.catch(() => (this.zonesPromise = undefined));
    }
    return this.zonesPromise;
  }

  private async regions(): Promise<readonly string[]> {
    return (await this.zones()).regions;
  }

  private handle<K extends OperationKind>(kind: K, id: string, pollState: JsonObject): OperationHandle<K> {
    return { kind, provider: EKS_DRIVER_NAME, id, pollState, startedAt: new Date().toISOString() };
  }

  /** The tags that select the resources of an app (and volume) of this workspace and provider. */
  private scope(filter: { app: string; volume?: string }): Tags {
    return {
      [TAG.managedBy]: MANAGED_BY_VALUE,
      [TAG.workspace]: this.ctx.workspace,
      [TAG.provider]: this.ctx.provider,
      [TAG.app]: filter.app,
      ...(filter.volume === undefined ? {} : { [TAG.volume]: filter.volume }),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Zones

  async listRegions(): Promise<RegionInfo[]> {
    return (await this.zones()).listRegions();
  }

  async resolveZone(zone: string): Promise<ZoneInfo> {
    return zoneInfo(await (await this.zones()).resolve(zone));
  }

  async diskOffering(req: { region?: string; options?: DiskOptions }): Promise<DiskOffering> {
    ebsOptions(req.options, this.settings);
    const zones = await this.zones();
    const region = req.region ?? zones.home;
    return { region, zoneRedundant: false, zones: (await zones.zonesOf(region)).map(zoneInfo) };
  }

  // -------------------------------------------------------------------------------------------
  // Disks

  private async findDisk(ref: DiskRef): Promise<VolumeRec | undefined> {
    const found = await this.ec2.volumesWhere(await this.regions(), {
      ...this.scope(ref),
      [TAG.diskName]: ref.name,
    });
    // Two volumes of one name only come from racing creates with different keys: the first stands.
    const live = found
      .filter((f) => f.item.State !== 'deleted')
      .map((f) => ({ ...f, disk: volumeToDisk(f.item, f.region) }));
    return oldest(live.map((f) => ({ ...f, createdAt: f.disk.createdAt })));
  }

  private async requireDisk(ref: DiskRef): Promise<VolumeRec> {
    const found = await this.findDisk(ref);
    if (found === undefined) throw notFound(`disk ${ref.app}/${ref.volume}/${ref.name}`);
    return found;
  }

  async beginCreateDisk(req: CreateDiskRequest): Promise<OperationHandle<'createDisk'>> {
    checkName('app', req.app);
    checkName('volume', req.volume);
    validateIdempotencyKey(req.idempotencyKey);
    const opts = ebsOptions(req.options, this.settings);
    const gib = sizeGiB(req.sizeBytes);
    checkSize(opts.type, gib);
    const source = req.source ?? { kind: 'empty' };
    if (source.kind === 'disk') {
      throw new DriverError(
        'Unsupported',
        `EBS cannot create a volume from another volume: snapshot disk ${source.name} first, then create the disk from the snapshot`,
        { details: { reason: 'diskFromDisk' } },
      );
    }
    if (source.kind === 'provider' && !SNAPSHOT_ID.test(source.id)) {
      throw invalidArgument(`provider source "${source.id}" is not an EBS snapshot id (snap-...)`);
    }
    const name = req.name ?? `d${keyName(req.idempotencyKey, 11)}`;
    checkName('disk name', name);
    const userTags = checkUserTags(req.tags);
    const zones = await this.zones();
    const zone = await zones.resolve(req.zone ?? (await zones.defaultZone()).kom);
    const digest = keyDigest(req.idempotencyKey);
    const requestHash = requestFingerprint({
      app: req.app,
      volume: req.volume,
      name,
      zone: zone.kom,
      size: req.sizeBytes,
      source,
      options: req.options ?? {},
      tags: userTags,
      assigned: req.assigned === true,
    });
    const ref = { app: req.app, volume: req.volume };
    const opHandle = (f: Found<Volume>): OperationHandle<'createDisk'> =>
      this.handle('createDisk', f.item.VolumeId!, { region: f.region, volumeId: f.item.VolumeId! });

    const earlier = (await this.ec2.volumesWhere(zones.regions, { [TAG.operationKey]: digest }))[0];
    if (earlier !== undefined) {
      checkSameRequest('disk', tagsOf(earlier.item.Tags), requestHash);
      return opHandle(earlier);
    }
    if ((await this.findDisk({ ...ref, name })) !== undefined) {
      throw new DriverError('AlreadyExists', `disk ${req.app}/${req.volume}/${name} already exists`);
    }
    const sourceTags: Tags = {};
    let snapshotId: string | undefined;
    if (source.kind === 'snapshot') {
      const snap = await this.readySnapshot({ ...ref, name: source.name });
      if (snap.region !== zone.region) {
        throw invalidArgument(
          `snapshot ${source.name} is in region ${snap.region}, the disk's zone ${zone.kom} in ${zone.region}: copy the snapshot to ${zone.region} first`,
          { reason: 'region' },
        );
      }
      if (gib * GiB < snap.size) {
        throw invalidArgument(
          `disk size ${gib} GiB is smaller than snapshot ${source.name} (${snap.size / GiB} GiB)`,
          { option: 'size' },
        );
      }
      snapshotId = snap.handle;
      sourceTags[EBS_TAG.sourceSnapshot] = snap.name;
    } else if (source.kind === 'provider') {
      snapshotId = source.id;
    }
    const tags = tagsToWrite({
      ...userTags,
      ...systemTags(this.ctx, ref, TAG.diskName, name, digest),
      [TAG.assigned]: assignedTagValue(req.assigned === true),
      [TAG.requestHash]: requestHash,
      ...sourceTags,
      ...(opts.fsType === undefined ? {} : { [EBS_TAG.fsType]: opts.fsType }),
    });
    const out = await this.ec2.call(zone.region, 'CreateVolume', (c) =>
      c.send(
        new CreateVolumeCommand({
          AvailabilityZone: zone.provider,
          Size: gib,
          VolumeType: opts.type,
          Iops: opts.iops,
          Throughput: opts.throughput,
          ...(opts.encrypted ? { Encrypted: true, KmsKeyId: opts.kmsKeyId } : {}),
          SnapshotId: snapshotId,
          // ≤ 64 ASCII characters: the digest has 40.
          ClientToken: digest,
          TagSpecifications: tagSpec('volume', tags, `${req.app}/${req.volume}/${name}`),
        }),
      ),
    );
    return opHandle({ region: zone.region, item: out });
  }

  async getDisk(ref: DiskRef): Promise<Disk> {
    return (await this.requireDisk(ref)).disk;
  }

  async listDisks(filter: VolumeFilter): Promise<Disk[]> {
    const found = await this.ec2.volumesWhere(await this.regions(), {
      ...(filter.tags ?? {}),
      ...this.scope(filter),
    });
    return found
      .filter((f) => f.item.State !== 'deleted')
      .map((f) => volumeToDisk(f.item, f.region))
      .sort(newestFirst);
  }

  async beginDeleteDisk(ref: DiskRef): Promise<OperationHandle<'deleteDisk'>> {
    const found = await this.findDisk(ref);
    if (found === undefined) {
      return this.handle('deleteDisk', `disk:${ref.app}/${ref.volume}/${ref.name}`, { volumeId: '' });
    }
    const { disk, region } = found;
    const op = this.handle('deleteDisk', disk.handle, { region, volumeId: disk.handle });
    if (disk.state === 'deleting') return op;
    if (disk.assigned) {
      throw assignedDiskInUse(ref);
    }
    const attached = attachmentsOf(found.item);
    if (attached.length > 0) {
      throw attachedDiskInUse(
        ref,
        attached.map((a) => a.instanceId),
      );
    }
    if (disk.state === 'creating')
      throw new DriverError('Transient', `disk ${ref.name} is still being created`);
    await this.ec2.maybe(region, 'DeleteVolume', (c) =>
      c.send(new DeleteVolumeCommand({ VolumeId: disk.handle })),
    );
    return op;
  }

  async beginResizeDisk(ref: DiskRef, sizeBytes: number): Promise<OperationHandle<'resizeDisk'>> {
    const gib = sizeGiB(sizeBytes);
    const { disk, region } = await this.requireDisk(ref);
    if (gib * GiB < disk.size) {
      throw invalidArgument(`disk ${ref.name} has ${disk.size / GiB} GiB; disks can only grow`, {
        option: 'size',
      });
    }
    checkSize(String(disk.options.type) as Parameters<typeof checkSize>[0], gib);
    if (gib * GiB > disk.size) {
      await this.ec2.call(region, 'ModifyVolume', (c) =>
        c.send(new ModifyVolumeCommand({ VolumeId: disk.handle, Size: gib })),
      );
    }
    return this.handle('resizeDisk', disk.handle, { region, volumeId: disk.handle, sizeGiB: gib });
  }

  async setDiskAssigned(ref: DiskRef, assigned: boolean): Promise<Disk> {
    const { disk, region } = await this.requireDisk(ref);
    const tags = { [TAG.assigned]: assignedTagValue(assigned) };
    await this.ec2.call(region, 'CreateTags', (c) =>
      c.send(new CreateTagsCommand({ Resources: [disk.handle], Tags: tagList(tags) })),
    );
    return { ...disk, assigned, tags: { ...disk.tags, ...tags } };
  }

  async updateTags(resource: TaggedResource, change: TagChange): Promise<Tags> {
    applyTagChange({}, change); // refuses a key it may not touch before any call
    const { region, handle, tags } =
      resource.kind === 'disk'
        ? (await this.requireDisk(resource.ref)).disk
        : await this.requireSnapshot(resource.ref);
    const next = applyTagChange(tags, change);
    const set = Object.entries(next).filter(([k, v]) => tags[k] !== v);
    const removed = Object.keys(tags).filter((k) => !(k in next));
    if (set.length > 0) {
      await this.ec2.call(region, 'CreateTags', (c) =>
        c.send(new CreateTagsCommand({ Resources: [handle], Tags: tagList(Object.fromEntries(set)) })),
      );
    }
    if (removed.length > 0) {
      await this.ec2.call(region, 'DeleteTags', (c) =>
        c.send(new DeleteTagsCommand({ Resources: [handle], Tags: removed.map((Key) => ({ Key })) })),
      );
    }
    return next;
  }

  async listAttachments(ref: DiskRef): Promise<Attachment[]> {
    return attachmentsOf((await this.requireDisk(ref)).item);
  }

  async beginForceDetach(req: ForceDetachRequest): Promise<OperationHandle<'forceDetach'>> {
    const { item, region, disk } = await this.requireDisk(req.disk);
    const targets = attachmentsOf(item)
      .map((a) => a.instanceId)
      .filter((id) => req.instanceId === undefined || id === req.instanceId);
    for (const instanceId of targets) {
      try {
        await this.ec2.call(region, 'DetachVolume', (c) =>
          c.send(new DetachVolumeCommand({ VolumeId: disk.handle, InstanceId: instanceId, Force: true })),
        );
      } catch (err) {
        // Already detached (IncorrectState) or gone: nothing left to detach from.
        if (!(err instanceof DriverError && (err.code === 'NotFound' || err.code === 'Conflict'))) throw err;
      }
    }
    return this.handle('forceDetach', disk.handle, { region, volumeId: disk.handle, instanceIds: targets });
  }

  // -------------------------------------------------------------------------------------------
  // Snapshots

  private async findSnapshot(ref: SnapshotRef): Promise<Snapshot | undefined> {
    const found = await this.ec2.snapshotsWhere(await this.regions(), {
      ...this.scope(ref),
      [TAG.snapshotName]: ref.name,
    });
    return oldest(found.map((f) => ec2SnapshotToSnapshot(f.item, f.region)));
  }

  private async requireSnapshot(ref: SnapshotRef): Promise<Snapshot> {
    const snap = await this.findSnapshot(ref);
    if (snap === undefined) throw notFound(`snapshot ${ref.app}/${ref.volume}/${ref.name}`);
    return snap;
  }

  private async readySnapshot(ref: SnapshotRef): Promise<Snapshot> {
    const snap = await this.requireSnapshot(ref);
    if (snap.state !== 'ready') {
      throw new DriverError(
        'Conflict',
        `snapshot ${ref.name} is ${snap.state}, not ready: wait until it is completed`,
      );
    }
    return snap;
  }

  /**
   * The snapshot an operation key stands for: the one an earlier attempt made, or one made now,
   * once, with its intent recorded first (create-intent.ts). `prepare` runs only when EC2 lists
   * none yet; it gives the region, the tags beyond the system ones, and the create call.
   */
  private async snapshotOnce<K extends 'createSnapshot' | 'copySnapshot'>(
    kind: K,
    key: { ref: VolumeRef; name: string; digest: string; requestHash: string },
    intents: IntentLog | undefined,
    prepare: () => Promise<{
      region: string;
      tags: Tags;
      send: (c: EC2Client, spec: TagSpecification[]) => Promise<{ SnapshotId?: string }>;
    }>,
  ): Promise<OperationHandle<K>> {
    const { ref, name, digest, requestHash } = key;
    const find = async (): Promise<Found<string> | undefined> => {
      const found = (await this.ec2.snapshotsWhere(await this.regions(), { [TAG.operationKey]: digest }))[0];
      if (found === undefined) return undefined;
      checkSameRequest('snapshot', tagsOf(found.item.Tags), requestHash);
      return { region: found.region, item: found.item.SnapshotId! };
    };
    const earlier = await find();
    const p = earlier === undefined ? await prepare() : undefined;
    const made =
      earlier ??
      (await findOrCreate({
        kind,
        operationKey: digest,
        region: p!.region,
        intents,
        consistencyWindowMs: this.window,
        lookupIntervalMs: this.options.lookupIntervalMs,
        find,
        create: async () => {
          if ((await this.findSnapshot({ ...ref, name })) !== undefined) {
            throw new DriverError(
              'AlreadyExists',
              `snapshot ${ref.app}/${ref.volume}/${name} already exists`,
            );
          }
          const tags = tagsToWrite({
            ...p!.tags,
            ...systemTags(this.ctx, ref, TAG.snapshotName, name, digest),
            [TAG.requestHash]: requestHash,
          });
          const spec = tagSpec('snapshot', tags, `${ref.app}/${ref.volume}/${name}`);
          const action = kind === 'createSnapshot' ? 'CreateSnapshot' : 'CopySnapshot';
          const out = await this.ec2.create(p!.region, action, (c) => p!.send(c, spec));
          return { region: p!.region, item: out.SnapshotId! };
        },
      }));
    return this.handle(kind, made.item, { region: made.region, snapshotId: made.item });
  }

  async beginCreateSnapshot(
    req: CreateSnapshotRequest,
    intents?: IntentLog,
  ): Promise<OperationHandle<'createSnapshot'>> {
    checkName('app', req.app);
    checkName('volume', req.volume);
    validateIdempotencyKey(req.idempotencyKey);
    const name = req.name ?? `s${keyName(req.idempotencyKey, 11)}`;
    checkName('snapshot name', name);
    const userTags = checkUserTags(req.tags);
    const ref = { app: req.app, volume: req.volume };
    const requestHash = requestFingerprint({
      ...ref,
      name,
      disk: req.disk,
      incremental: req.incremental === true,
      tags: userTags,
    });
    const digest = keyDigest(req.idempotencyKey);
    return this.snapshotOnce('createSnapshot', { ref, name, digest, requestHash }, intents, async () => {
      const { region, disk } = await this.snapshotSourceDisk(req);
      return {
        region,
        tags: { ...userTags, [EBS_TAG.sourceDisk]: disk.name, [EBS_TAG.sourceVolumeId]: disk.handle },
        send: (c, spec) =>
          c.send(
            new CreateSnapshotCommand({
              VolumeId: disk.handle,
              Description: `Kompox snapshot ${req.app}/${req.volume}/${name} of disk ${disk.name}`,
              TagSpecifications: spec,
            }),
          ),
      };
    });
  }

  private async snapshotSourceDisk(req: CreateSnapshotRequest): Promise<{ region: string; disk: Disk }> {
    if (req.disk !== undefined) {
      const { disk, region } = await this.requireDisk({ app: req.app, volume: req.volume, name: req.disk });
      if (disk.state !== 'ready')
        throw new DriverError('Conflict', `disk ${req.disk} is ${disk.state}, not ready`);
      return { region, disk };
    }
    const assigned = (await this.listDisks({ app: req.app, volume: req.volume })).filter(
      (d) => d.state === 'ready' && d.assigned,
    );
    const disk = soleAssignedDisk(req, assigned);
    return { region: disk.region, disk };
  }

  async getSnapshot(ref: SnapshotRef): Promise<Snapshot> {
    return this.requireSnapshot(ref);
  }

  async listSnapshots(filter: VolumeFilter): Promise<Snapshot[]> {
    const found = await this.ec2.snapshotsWhere(await this.regions(), {
      ...(filter.tags ?? {}),
      ...this.scope(filter),
    });
    return found.map((f) => ec2SnapshotToSnapshot(f.item, f.region)).sort(newestFirst);
  }

  async beginDeleteSnapshot(ref: SnapshotRef): Promise<OperationHandle<'deleteSnapshot'>> {
    const snap = await this.findSnapshot(ref);
    if (snap === undefined) {
      return this.handle('deleteSnapshot', `snapshot:${ref.app}/${ref.volume}/${ref.name}`, {
        snapshotId: '',
      });
    }
    if (snap.state === 'creating')
      throw new DriverError('Transient', `snapshot ${ref.name} is still being created`);
    const readers = await this.ec2.snapshotReaders(snap.region, snap.handle, await this.regions());
    if (readers.length > 0) {
      throw new DriverError('InUse', `snapshot ${ref.name} is being read by ${readers.join(', ')}`, {
        details: { reason: 'source' },
      });
    }
    await this.ec2.maybe(snap.region, 'DeleteSnapshot', (c) =>
      c.send(new DeleteSnapshotCommand({ SnapshotId: snap.handle })),
    );
    return this.handle('deleteSnapshot', snap.handle, { region: snap.region, snapshotId: snap.handle });
  }

  async beginCopySnapshot(
    req: CopySnapshotRequest,
    intents?: IntentLog,
  ): Promise<OperationHandle<'copySnapshot'>> {
    validateIdempotencyKey(req.idempotencyKey);
    const target = req.targetRegion;
    await (await this.zones()).zonesOf(target);
    const name = req.targetName ?? `${req.snapshot.name}-${target}`;
    checkName('snapshot name', name);
    const ref = { app: req.snapshot.app, volume: req.snapshot.volume };
    const requestHash = requestFingerprint({ source: req.snapshot, region: target, name });
    const digest = keyDigest(req.idempotencyKey);
    return this.snapshotOnce('copySnapshot', { ref, name, digest, requestHash }, intents, async () => {
      const src = await this.readySnapshot(req.snapshot);
      if (src.region === target) throw invalidArgument(`snapshot ${src.name} is already in region ${target}`);
      return {
        region: target,
        tags: {
          ...src.tags,
          [EBS_TAG.copiedFrom]: src.name,
          [EBS_TAG.copiedFromRegion]: src.region,
          [EBS_TAG.copiedFromId]: src.handle,
        },
        // Sent to the destination region's client. An encrypted source gives an encrypted copy
        // under the destination's default EBS key (AWS_EBS_KMS_KEY_ID names a key of one region).
        send: (c, spec) =>
          c.send(
            new CopySnapshotCommand({
              SourceRegion: src.region,
              SourceSnapshotId: src.handle,
              Description: `Kompox snapshot ${ref.app}/${ref.volume}/${name}, copy of ${src.name} from ${src.region}`,
              TagSpecifications: spec,
            }),
          ),
      };
    });
  }

  // -------------------------------------------------------------------------------------------
  // PV source and fencing

  pvSource(disk: Disk): PvSource {
    return {
      volumeHandle: disk.handle,
      capacityBytes: disk.size,
      accessModes: ['ReadWriteOnce'],
      volumeMode: 'Filesystem',
      csi: { driver: EBS_CSI_DRIVER, fsType: String(disk.options.fsType ?? 'ext4'), volumeAttributes: {} },
      // The EBS CSI node plugin publishes the zone under both keys; either matches.
      topology: { key: EKS_TOPOLOGY_KEY, values: [disk.zone], alsoKeys: [EBS_CSI_TOPOLOGY_KEY] },
    };
  }

  async beginFenceNode(req: FenceRequest): Promise<OperationHandle<'fenceNode'>> {
    const { region, instanceId } = instanceOf(req);
    await stopInstance(this.ec2, region, instanceId);
    return this.handle('fenceNode', instanceId, { region, instanceId });
  }

  /**
   * From the providerID, or without one from the node name (the private DNS name EKS gives
   * nodes). A node no instance is named after is `unknown`, not `terminated`: its machine may
   * run under another name, and terminated would let failover force-detach from it.
   */
  async getInstanceState(ref: InstanceRef): Promise<InstanceState> {
    const instance = ref.providerId
      ? instanceOf(ref)
      : await instanceByNodeName(this.ec2, await this.regions(), ref.nodeName);
    return instance === undefined ? 'unknown' : instanceState(this.ec2, instance.region, instance.instanceId);
  }

  // -------------------------------------------------------------------------------------------
  // Polling

  async poll<K extends OperationKind>(op: OperationHandle<K>): Promise<PollResult<K>> {
    if (op.provider !== EKS_DRIVER_NAME)
      throw invalidArgument(`operation of provider ${op.provider} given to eks`);
    return pollEbs(this.ec2, op, this.window);
  }
}

export function createEksDriver(ctx: DriverContext, options?: EksDriverOptions): EksDriver {
  return new EksDriver(ctx, options);
}
