// The `aks` provider: disks are Azure managed disks, snapshots are incremental managed snapshots,
// cross-region copies are CopyStart snapshots, force-detach is the VM's ForceDetach, and fencing
// powers off the VM behind a node. Everything Kompox knows is in the resources' `kompox-*` tags,
// so the driver holds only configuration and one ARM client (arm-calls.ts).
//
// Idempotency is Azure's own: a create PUTs a resource whose ARM name comes from the idempotency
// key (arm-names.ts), so a retried create, by the SDK or by the activity, PUTs the same resource.
// A resource already there under that name is the earlier attempt's, unless its request
// fingerprint tag differs (Conflict). Long operations keep the SDK poller's serialized state in
// the handle (arm-lro.ts), so any worker resumes them.
import type { Disk as ArmDisk, Snapshot as ArmSnapshot } from '@azure/arm-compute';
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
import type { IntentLog } from '../create-intent';
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
import { pollAks } from './aks-poll';
import { type ArmCallOptions, ArmCalls } from './arm-calls';
import { startLro } from './arm-lro';
import { type ArmKind, armId, armName, nameOfArmId, vmOfArmId, vmOfProviderId } from './arm-names';
import { AKS_TAG, armDiskToDisk, armSnapshotToSnapshot, attachmentsOf } from './arm-records';
import { GiB, aksDiskOptions, checkSize, sizeGiB } from './disk-options';
import { type AksSettings, readAksSettings } from './settings';
import { forceDetachFrom, powerOff, vmState } from './vm-calls';
import { AksZones } from './zones';

export const AKS_DRIVER_NAME = 'aks';
export const AZURE_DISK_CSI_DRIVER = 'disk.csi.azure.com';
export const AKS_TOPOLOGY_KEY = 'topology.disk.csi.azure.com/zone';
/** The well-known label AKS nodes also carry, with the same `<location>-<zone>` value. */
export const KUBERNETES_ZONE_KEY = 'topology.kubernetes.io/zone';

export type AksDriverOptions = ArmCallOptions;

interface DiskRec {
  arm: ArmDisk;
  disk: Disk;
}

export class AksDriver implements ProviderDriver {
  readonly driverName = AKS_DRIVER_NAME;
  readonly capabilities: Capabilities = {
    forceDetach: true,
    fence: true,
    zoneRedundantDisks: true,
    incrementalSnapshots: true,
    crossRegionCopy: true,
    diskFromDisk: true,
    instanceState: true,
  };

  readonly settings: AksSettings;
  readonly zones: AksZones;
  private readonly arm: ArmCalls;

  constructor(
    private readonly ctx: DriverContext,
    options: AksDriverOptions = {},
  ) {
    this.settings = readAksSettings(ctx);
    this.zones = AksZones.fromSettings(this.settings);
    this.arm = new ArmCalls(this.settings, options);
  }

  private handle<K extends OperationKind>(
    kind: K,
    id: string,
    pollState: JsonObject,
    poller?: string,
  ): OperationHandle<K> {
    return {
      kind,
      provider: AKS_DRIVER_NAME,
      id,
      pollState: { ...pollState, pollers: poller === undefined ? [] : [poller] },
      startedAt: new Date().toISOString(),
    };
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

  private get rg(): string {
    return this.settings.resourceGroup;
  }

  // -------------------------------------------------------------------------------------------
  // Zones

  async listRegions(): Promise<RegionInfo[]> {
    return this.zones.listRegions();
  }

  async resolveZone(zone: string): Promise<ZoneInfo> {
    return this.zones.resolve(zone);
  }

  async diskOffering(req: { region?: string; options?: DiskOptions }): Promise<DiskOffering> {
    const opts = aksDiskOptions(req.options, this.settings.diskSku);
    const region = req.region ?? this.zones.home;
    const zones = this.zones.zonesOf(region);
    if (opts.zoneRedundant && zones.length === 0)
      throw invalidArgument(`region ${region} has no zones, so no zone-redundant disks`, { option: 'sku' });
    return { region, zoneRedundant: opts.zoneRedundant, zones };
  }

  // -------------------------------------------------------------------------------------------
  // Disks

  private async findDisk(ref: DiskRef): Promise<DiskRec | undefined> {
    const found = await this.arm.disksWhere({ ...this.scope(ref), [TAG.diskName]: ref.name });
    const live = found
      .map((arm) => ({ arm, disk: armDiskToDisk(arm, this.zones) }))
      .filter((r) => r.disk.state !== 'deleting');
    return oldest(live.map((r) => ({ ...r, createdAt: r.disk.createdAt })));
  }

  private async requireDisk(ref: DiskRef): Promise<DiskRec> {
    const found = await this.findDisk(ref);
    if (found === undefined) throw notFound(`disk ${ref.app}/${ref.volume}/${ref.name}`);
    return found;
  }

  async beginCreateDisk(req: CreateDiskRequest): Promise<OperationHandle<'createDisk'>> {
    checkName('app', req.app);
    checkName('volume', req.volume);
    validateIdempotencyKey(req.idempotencyKey);
    const opts = aksDiskOptions(req.options, this.settings.diskSku);
    const gib = sizeGiB(req.sizeBytes);
    checkSize(opts.sku, gib);
    const source = req.source ?? { kind: 'empty' };
    if (source.kind === 'provider' && !source.id.toLowerCase().startsWith('/subscriptions/'))
      throw invalidArgument(`provider source "${source.id}" is not an ARM id of a snapshot or disk`);
    const name = req.name ?? `d${keyName(req.idempotencyKey, 11)}`;
    checkName('disk name', name);
    const userTags = checkUserTags(req.tags);
    // A zone-redundant disk spans its region's zones: a zone given only names the region.
    const zone = this.zones.resolve(req.zone ?? this.zones.defaultZone().kom);
    const region = zone.region;
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
    const resource = armName(name, req.idempotencyKey);

    const earlier = await this.arm.getDisk(resource);
    if (earlier !== undefined) {
      checkSameRequest('disk', earlier.tags, requestHash);
      return this.handle('createDisk', earlier.id ?? resource, {
        armName: resource,
        region: earlier.location,
      });
    }
    if ((await this.findDisk({ ...ref, name })) !== undefined) {
      throw new DriverError('AlreadyExists', `disk ${req.app}/${req.volume}/${name} already exists`);
    }
    const sourceTags: Tags = {};
    let sourceResourceId: string | undefined;
    if (source.kind === 'snapshot') {
      const snap = await this.readySnapshot({ ...ref, name: source.name });
      if (snap.region !== region) {
        throw invalidArgument(
          `snapshot ${source.name} is in region ${snap.region}, the disk's zone ${zone.kom} in ${region}: copy the snapshot to ${region} first`,
          { reason: 'region' },
        );
      }
      if (gib * GiB < snap.size)
        throw invalidArgument(`disk size ${gib} GiB is smaller than snapshot ${source.name}`, {
          option: 'size',
        });
      sourceResourceId = snap.handle;
      sourceTags[AKS_TAG.sourceSnapshot] = snap.name;
    } else if (source.kind === 'disk') {
      const { disk } = await this.requireDisk({ ...ref, name: source.name });
      if (disk.state !== 'ready')
        throw new DriverError('Conflict', `disk ${source.name} is ${disk.state}, not ready`);
      if (disk.region !== region) {
        throw invalidArgument(`disk ${source.name} is in region ${disk.region}, not ${region}`, {
          reason: 'region',
        });
      }
      if (gib * GiB < disk.size)
        throw invalidArgument(`disk size ${gib} GiB is smaller than disk ${source.name}`, { option: 'size' });
      sourceResourceId = disk.handle;
      sourceTags[AKS_TAG.sourceDisk] = disk.name;
    } else if (source.kind === 'provider') {
      sourceResourceId = source.id;
    }
    const tags = tagsToWrite({
      ...userTags,
      ...systemTags(this.ctx, ref, TAG.diskName, name, digest),
      [TAG.assigned]: assignedTagValue(req.assigned === true),
      [TAG.requestHash]: requestHash,
      ...sourceTags,
      ...(opts.fsType === undefined ? {} : { [AKS_TAG.fsType]: opts.fsType }),
      ...(opts.cachingMode === undefined ? {} : { [AKS_TAG.cachingMode]: opts.cachingMode }),
    });
    const body: ArmDisk = {
      location: region,
      ...(opts.zoneRedundant ? {} : { zones: [zone.provider] }),
      sku: { name: opts.sku },
      diskSizeGB: gib,
      creationData:
        sourceResourceId === undefined
          ? { createOption: 'Empty' }
          : { createOption: 'Copy', sourceResourceId },
      tags,
    };
    const poller = await startLro(this.arm, `PUT disk ${resource}`, (c, o) =>
      c.disks.createOrUpdate(this.rg, resource, body, o),
    );
    return this.handle('createDisk', this.armIdOf('disks', resource), { armName: resource, region }, poller);
  }

  private armIdOf(kind: ArmKind, name: string): string {
    return armId(this.settings.subscriptionId, this.rg, kind, name);
  }

  async getDisk(ref: DiskRef): Promise<Disk> {
    return (await this.requireDisk(ref)).disk;
  }

  async listDisks(filter: VolumeFilter): Promise<Disk[]> {
    const found = await this.arm.disksWhere({ ...(filter.tags ?? {}), ...this.scope(filter) });
    return found
      .map((d) => armDiskToDisk(d, this.zones))
      .filter((d) => d.state !== 'deleting')
      .sort(newestFirst);
  }

  async beginDeleteDisk(ref: DiskRef): Promise<OperationHandle<'deleteDisk'>> {
    const found = await this.findDisk(ref);
    if (found === undefined) {
      return this.handle('deleteDisk', `disk:${ref.app}/${ref.volume}/${ref.name}`, { armName: '' });
    }
    const { disk, arm } = found;
    const resource = nameOfArmId(disk.handle);
    if (disk.assigned) throw assignedDiskInUse(ref);
    const attached = attachmentsOf(arm);
    if (attached.length > 0)
      throw attachedDiskInUse(
        ref,
        attached.map((a) => a.instanceId),
      );
    if (disk.state === 'creating')
      throw new DriverError('Transient', `disk ${ref.name} is still being created`);
    const poller = await startLro(this.arm, `DELETE disk ${resource}`, (c, o) =>
      c.disks.delete(this.rg, resource, o),
    );
    return this.handle('deleteDisk', disk.handle, { armName: resource }, poller);
  }

  async beginResizeDisk(ref: DiskRef, sizeBytes: number): Promise<OperationHandle<'resizeDisk'>> {
    const gib = sizeGiB(sizeBytes);
    const { disk } = await this.requireDisk(ref);
    if (gib * GiB < disk.size)
      throw invalidArgument(`disk ${ref.name} has ${disk.size / GiB} GiB; disks can only grow`, {
        option: 'size',
      });
    checkSize(aksDiskOptions({ sku: String(disk.options.sku) }, this.settings.diskSku).sku, gib);
    const resource = nameOfArmId(disk.handle);
    const state = { armName: resource, sizeGiB: gib };
    if (gib * GiB === disk.size) return this.handle('resizeDisk', disk.handle, state);
    const poller = await startLro(this.arm, `PATCH disk ${resource}`, (c, o) =>
      c.disks.update(this.rg, resource, { diskSizeGB: gib }, o),
    );
    return this.handle('resizeDisk', disk.handle, state, poller);
  }

  /** Replaces a resource's tags (ARM PATCH replaces the whole map) and waits for it. */
  private async patchTags(kind: 'disk' | 'snapshot', handle: string, tags: Tags): Promise<void> {
    const resource = nameOfArmId(handle);
    await this.arm.call(`PATCH ${kind} ${resource} tags`, async (c, o) => {
      if (kind === 'disk') await c.disks.update(this.rg, resource, { tags }, o);
      else await c.snapshots.update(this.rg, resource, { tags }, o);
    });
  }

  async setDiskAssigned(ref: DiskRef, assigned: boolean): Promise<Disk> {
    const { disk } = await this.requireDisk(ref);
    const tags = { ...disk.tags, [TAG.assigned]: assignedTagValue(assigned) };
    await this.patchTags('disk', disk.handle, tags);
    return { ...disk, assigned, tags };
  }

  async updateTags(resource: TaggedResource, change: TagChange): Promise<Tags> {
    applyTagChange({}, change); // refuses a key it may not touch before any call
    const { handle, tags } =
      resource.kind === 'disk'
        ? (await this.requireDisk(resource.ref)).disk
        : await this.requireSnapshot(resource.ref);
    const next = applyTagChange(tags, change);
    await this.patchTags(resource.kind, handle, next);
    return next;
  }

  async listAttachments(ref: DiskRef): Promise<Attachment[]> {
    return attachmentsOf((await this.requireDisk(ref)).arm);
  }

  async beginForceDetach(req: ForceDetachRequest): Promise<OperationHandle<'forceDetach'>> {
    const { arm, disk } = await this.requireDisk(req.disk);
    const targets = attachmentsOf(arm)
      .map((a) => a.instanceId)
      .filter((id) => req.instanceId === undefined || id.toLowerCase() === req.instanceId.toLowerCase());
    const pollers: string[] = [];
    for (const instanceId of targets) {
      const vm = vmOfArmId(instanceId);
      if (vm === undefined)
        throw invalidArgument(`disk ${disk.name} is held by ${instanceId}, which is not a VM`);
      const poller = await forceDetachFrom(this.arm, vm, disk.handle);
      if (poller !== undefined) pollers.push(poller);
    }
    const op = this.handle('forceDetach', disk.handle, {
      armName: nameOfArmId(disk.handle),
      instanceIds: targets,
    });
    return { ...op, pollState: { ...op.pollState, pollers } };
  }

  // -------------------------------------------------------------------------------------------
  // Snapshots

  private async findSnapshot(ref: SnapshotRef): Promise<Snapshot | undefined> {
    const found = await this.arm.snapshotsWhere({ ...this.scope(ref), [TAG.snapshotName]: ref.name });
    return oldest(found.map(armSnapshotToSnapshot).filter((s) => s.state !== 'deleting'));
  }

  private async requireSnapshot(ref: SnapshotRef): Promise<Snapshot> {
    const snap = await this.findSnapshot(ref);
    if (snap === undefined) throw notFound(`snapshot ${ref.app}/${ref.volume}/${ref.name}`);
    return snap;
  }

  private async readySnapshot(ref: SnapshotRef): Promise<Snapshot> {
    const snap = await this.requireSnapshot(ref);
    if (snap.state !== 'ready')
      throw new DriverError('Conflict', `snapshot ${ref.name} is ${snap.state}, not ready: wait until it is`);
    return snap;
  }

  /**
   * The snapshot an operation key stands for: the earlier attempt's (same ARM name), or a new
   * PUT. `prepare` runs only when there is none; it gives the snapshot body without system tags.
   */
  private async snapshotOnce<K extends 'createSnapshot' | 'copySnapshot'>(
    kind: K,
    key: { app: string; volume: string; name: string; idempotencyKey: string; requestHash: string },
    prepare: () => Promise<{ body: ArmSnapshot; tags: Tags }>,
  ): Promise<OperationHandle<K>> {
    const resource = armName(key.name, key.idempotencyKey);
    const earlier = await this.arm.getSnapshot(resource);
    if (earlier !== undefined) {
      checkSameRequest('snapshot', earlier.tags, key.requestHash);
      return this.handle(kind, earlier.id ?? resource, { armName: resource, region: earlier.location });
    }
    const ref = { app: key.app, volume: key.volume };
    if ((await this.findSnapshot({ ...ref, name: key.name })) !== undefined)
      throw new DriverError('AlreadyExists', `snapshot ${key.app}/${key.volume}/${key.name} already exists`);
    const { body, tags } = await prepare();
    const full: ArmSnapshot = {
      ...body,
      tags: tagsToWrite({
        ...tags,
        ...systemTags(this.ctx, ref, TAG.snapshotName, key.name, keyDigest(key.idempotencyKey)),
        [TAG.requestHash]: key.requestHash,
      }),
    };
    const poller = await startLro(this.arm, `PUT snapshot ${resource}`, (c, o) =>
      c.snapshots.createOrUpdate(this.rg, resource, full, o),
    );
    return this.handle(
      kind,
      this.armIdOf('snapshots', resource),
      { armName: resource, region: body.location },
      poller,
    );
  }

  async beginCreateSnapshot(
    req: CreateSnapshotRequest,
    _intents?: IntentLog,
  ): Promise<OperationHandle<'createSnapshot'>> {
    // No intent is needed: the PUT by name is idempotent.
    checkName('app', req.app);
    checkName('volume', req.volume);
    validateIdempotencyKey(req.idempotencyKey);
    const name = req.name ?? `s${keyName(req.idempotencyKey, 11)}`;
    checkName('snapshot name', name);
    const userTags = checkUserTags(req.tags);
    const requestHash = requestFingerprint({
      app: req.app,
      volume: req.volume,
      name,
      disk: req.disk,
      incremental: req.incremental === true,
      tags: userTags,
    });
    const key = { app: req.app, volume: req.volume, name, idempotencyKey: req.idempotencyKey, requestHash };
    return this.snapshotOnce('createSnapshot', key, async () => {
      const disk = await this.snapshotSourceDisk(req);
      return {
        // Always incremental: Azure's full snapshots cost the whole disk each time.
        body: {
          location: disk.region,
          incremental: true,
          creationData: { createOption: 'Copy', sourceResourceId: disk.handle },
        },
        tags: { ...userTags, [AKS_TAG.sourceDisk]: disk.name },
      };
    });
  }

  private async snapshotSourceDisk(req: CreateSnapshotRequest): Promise<Disk> {
    if (req.disk !== undefined) {
      const { disk } = await this.requireDisk({ app: req.app, volume: req.volume, name: req.disk });
      if (disk.state !== 'ready')
        throw new DriverError('Conflict', `disk ${req.disk} is ${disk.state}, not ready`);
      return disk;
    }
    const assigned = (await this.listDisks({ app: req.app, volume: req.volume })).filter(
      (d) => d.state === 'ready' && d.assigned,
    );
    return soleAssignedDisk(req, assigned);
  }

  async getSnapshot(ref: SnapshotRef): Promise<Snapshot> {
    return this.requireSnapshot(ref);
  }

  async listSnapshots(filter: VolumeFilter): Promise<Snapshot[]> {
    const found = await this.arm.snapshotsWhere({ ...(filter.tags ?? {}), ...this.scope(filter) });
    return found
      .map(armSnapshotToSnapshot)
      .filter((s) => s.state !== 'deleting')
      .sort(newestFirst);
  }

  /** What reads a snapshot now: disks being created from it and copies of it still copying. */
  private async snapshotReaders(snap: Snapshot): Promise<string[]> {
    const scope = {
      [TAG.managedBy]: MANAGED_BY_VALUE,
      [TAG.workspace]: this.ctx.workspace,
      [TAG.provider]: this.ctx.provider,
    };
    const same = (id: string | undefined): boolean => id?.toLowerCase() === snap.handle.toLowerCase();
    const [disks, snaps] = await Promise.all([this.arm.disksWhere(scope), this.arm.snapshotsWhere(scope)]);
    return [
      ...disks
        .filter(
          (d) => same(d.creationData?.sourceResourceId) && armDiskToDisk(d, this.zones).state === 'creating',
        )
        .map((d) => `disk ${d.name}`),
      ...snaps
        .filter(
          (s) => same(s.creationData?.sourceResourceId) && armSnapshotToSnapshot(s).state === 'creating',
        )
        .map((s) => `copy ${s.name} in ${s.location}`),
    ];
  }

  async beginDeleteSnapshot(ref: SnapshotRef): Promise<OperationHandle<'deleteSnapshot'>> {
    const snap = await this.findSnapshot(ref);
    if (snap === undefined)
      return this.handle('deleteSnapshot', `snapshot:${ref.app}/${ref.volume}/${ref.name}`, { armName: '' });
    if (snap.state === 'creating')
      throw new DriverError('Transient', `snapshot ${ref.name} is still being created`);
    const readers = await this.snapshotReaders(snap);
    if (readers.length > 0) {
      throw new DriverError('InUse', `snapshot ${ref.name} is being read by ${readers.join(', ')}`, {
        details: { reason: 'source' },
      });
    }
    const resource = nameOfArmId(snap.handle);
    const poller = await startLro(this.arm, `DELETE snapshot ${resource}`, (c, o) =>
      c.snapshots.delete(this.rg, resource, o),
    );
    return this.handle('deleteSnapshot', snap.handle, { armName: resource }, poller);
  }

  async beginCopySnapshot(
    req: CopySnapshotRequest,
    _intents?: IntentLog,
  ): Promise<OperationHandle<'copySnapshot'>> {
    validateIdempotencyKey(req.idempotencyKey);
    const target = req.targetRegion;
    this.zones.zonesOf(target);
    const name = req.targetName ?? `${req.snapshot.name}-${target}`;
    checkName('snapshot name', name);
    const requestHash = requestFingerprint({ source: req.snapshot, region: target, name });
    const key = { ...req.snapshot, name, idempotencyKey: req.idempotencyKey, requestHash };
    return this.snapshotOnce('copySnapshot', key, async () => {
      const src = await this.readySnapshot(req.snapshot);
      if (src.region === target) throw invalidArgument(`snapshot ${src.name} is already in region ${target}`);
      return {
        // CopyStart copies an incremental snapshot's data in the background; the copy is
        // usable once its completionPercent reaches 100.
        body: {
          location: target,
          incremental: true,
          creationData: { createOption: 'CopyStart', sourceResourceId: src.handle },
        },
        tags: {
          ...src.tags,
          [AKS_TAG.copiedFrom]: src.name,
          [AKS_TAG.copiedFromRegion]: src.region,
        },
      };
    });
  }

  // -------------------------------------------------------------------------------------------
  // PV source and fencing

  pvSource(disk: Disk): PvSource {
    const cachingMode = disk.options.cachingMode;
    return {
      volumeHandle: disk.handle,
      capacityBytes: disk.size,
      accessModes: ['ReadWriteOnce'],
      volumeMode: 'Filesystem',
      csi: {
        driver: AZURE_DISK_CSI_DRIVER,
        fsType: String(disk.options.fsType ?? 'ext4'),
        volumeAttributes: cachingMode === undefined ? {} : { cachingMode: String(cachingMode) },
      },
      // A zone-redundant disk attaches in any zone of its region (and to nodes outside zones):
      // the azuredisk CSI driver itself sets no zone affinity for ZRS.
      ...(disk.zoneRedundant
        ? {}
        : {
            topology: {
              key: AKS_TOPOLOGY_KEY,
              values: disk.zones.map((z) => this.zones.resolve(z).topology),
              alsoKeys: [KUBERNETES_ZONE_KEY],
            },
          }),
    };
  }

  async beginFenceNode(req: FenceRequest): Promise<OperationHandle<'fenceNode'>> {
    const vm = vmOfProviderId(req.nodeName, req.providerId);
    const poller = await powerOff(this.arm, vm);
    return this.handle('fenceNode', vm.id, { vmId: vm.id }, poller);
  }

  /** From the providerID; a node without one is `unknown` (its VM cannot be told for sure). */
  async getInstanceState(ref: InstanceRef): Promise<InstanceState> {
    if (!ref.providerId) return 'unknown';
    return vmState(this.arm, vmOfProviderId(ref.nodeName, ref.providerId));
  }

  // -------------------------------------------------------------------------------------------
  // Polling

  async poll<K extends OperationKind>(op: OperationHandle<K>): Promise<PollResult<K>> {
    if (op.provider !== AKS_DRIVER_NAME)
      throw invalidArgument(`operation of provider ${op.provider} given to aks`);
    return pollAks(this.arm, this.zones, op);
  }
}

export function createAksDriver(ctx: DriverContext, options?: AksDriverOptions): AksDriver {
  return new AksDriver(ctx, options);
}
