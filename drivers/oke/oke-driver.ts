// The `oke` provider: disks are OCI block volumes in an availability domain, snapshots are volume
// backups (regional), a cross-region copy is copyVolumeBackup, fencing powers off the compute
// instance behind a node. Everything Kompox knows is in the resources' freeform tags, so the
// driver holds only configuration and its per-region clients (oci-calls.ts); long operations
// resume from an OCID and a region in the handle (oci-poll.ts).
//
// Idempotency: every create sends opc-retry-token = keyDigest(key), so a create whose reply was
// lost (or that an SDK retry repeats) returns the first resource; and every create first looks up
// the operation-key tag, because OCI forgets a token after 24 hours. Backups and copies also record
// an intent first (create-intent.ts). The request-hash tag tells a retry from another request.
import type { models } from 'oci-core';
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
  tagsMatch,
  tagsToWrite,
} from '../tags';
import { instanceOf, instanceState, stopInstance } from './instances';
import { OciCalls, type OciCallOptions } from './oci-calls';
import { pollOci } from './oci-poll';
import { GiB, OKE_TAG, backupToSnapshot, isOwnBackup, volumeToDisk } from './records';
import { type OkeSettings, readOkeSettings } from './settings';
import { okeDiskOptions, volumeGiB } from './volume-options';
import { OkeZones } from './zones';

export const OKE_DRIVER_NAME = 'oke';
export const OCI_CSI_DRIVER = 'blockvolume.csi.oraclecloud.com';
export const OKE_TOPOLOGY_KEY = 'topology.kubernetes.io/zone';
const BACKUP_OCID = /^ocid1\.volumebackup\./;

export interface OkeDriverOptions extends OciCallOptions {
  /** How long listings may lag behind a create (default 10 s). */
  consistencyWindowMs?: number;
  /** Pause between lookups while waiting for a create an earlier attempt may have made (default 1 s). */
  lookupIntervalMs?: number;
}

interface VolumeRec {
  region: string;
  item: models.Volume;
  disk: Disk;
}

export class OkeDriver implements ProviderDriver {
  readonly driverName = OKE_DRIVER_NAME;
  readonly capabilities: Capabilities = {
    forceDetach: false,
    fence: true,
    zoneRedundantDisks: false,
    incrementalSnapshots: true,
    crossRegionCopy: true,
    diskFromDisk: true,
    instanceState: true,
  };

  readonly settings: OkeSettings;
  readonly zones: OkeZones;
  private readonly oci: OciCalls;
  private readonly window: number;

  constructor(
    private readonly ctx: DriverContext,
    private readonly options: OkeDriverOptions = {},
  ) {
    this.settings = readOkeSettings(ctx);
    this.zones = new OkeZones(this.settings);
    this.window = options.consistencyWindowMs ?? 10_000;
    this.oci = new OciCalls(this.settings, options);
  }

  private handle<K extends OperationKind>(kind: K, id: string, pollState: JsonObject): OperationHandle<K> {
    return { kind, provider: OKE_DRIVER_NAME, id, pollState, startedAt: new Date().toISOString() };
  }

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
    return this.zones.listRegions();
  }

  async resolveZone(zone: string): Promise<ZoneInfo> {
    return this.zones.resolve(zone);
  }

  async diskOffering(req: { region?: string; options?: DiskOptions }): Promise<DiskOffering> {
    okeDiskOptions(req.options, this.settings);
    const region = req.region ?? this.zones.home;
    return { region, zoneRedundant: false, zones: this.zones.zonesOf(region) };
  }

  // -------------------------------------------------------------------------------------------
  // Disks

  private async volumesWhere(tags: Tags): Promise<VolumeRec[]> {
    const perRegion = await Promise.all(
      this.zones.regions.map(async (region) =>
        (await this.oci.volumes(region))
          .filter((v) => tagsMatch(v.freeformTags ?? {}, tags))
          .map((item) => ({ region, item, disk: volumeToDisk(item, region, this.zones) })),
      ),
    );
    return perRegion.flat();
  }

  private async findDisk(ref: DiskRef): Promise<VolumeRec | undefined> {
    const found = await this.volumesWhere({ ...this.scope(ref), [TAG.diskName]: ref.name });
    return oldest(found.map((f) => ({ ...f, createdAt: f.disk.createdAt })));
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
    const opts = okeDiskOptions(req.options, this.settings);
    const gib = volumeGiB(req.sizeBytes);
    const source = req.source ?? { kind: 'empty' };
    if (source.kind === 'provider' && !BACKUP_OCID.test(source.id)) {
      throw invalidArgument(
        `provider source "${source.id}" is not a volume backup OCID (ocid1.volumebackup.…)`,
      );
    }
    const name = req.name ?? `d${keyName(req.idempotencyKey, 11)}`;
    checkName('disk name', name);
    const userTags = checkUserTags(req.tags);
    const zone = this.zones.resolve(req.zone ?? this.zones.defaultZone().kom);
    const digest = keyDigest(req.idempotencyKey);
    const requestHash = requestFingerprint({
      app: req.app,
      volume: req.volume,
      name,
      zone: zone.provider,
      size: req.sizeBytes,
      source,
      options: req.options ?? {},
      tags: userTags,
      assigned: req.assigned === true,
    });
    const ref = { app: req.app, volume: req.volume };
    const opHandle = (region: string, id: string): OperationHandle<'createDisk'> =>
      this.handle('createDisk', id, { region, volumeId: id });

    const earlier = (await this.volumesWhere({ [TAG.operationKey]: digest }))[0];
    if (earlier !== undefined) {
      checkSameRequest('disk', earlier.item.freeformTags, requestHash);
      return opHandle(earlier.region, earlier.item.id);
    }
    if ((await this.findDisk({ ...ref, name })) !== undefined) {
      throw new DriverError('AlreadyExists', `disk ${req.app}/${req.volume}/${name} already exists`);
    }
    const sourceTags: Tags = {};
    let sourceDetails:
      models.VolumeSourceFromVolumeBackupDetails | models.VolumeSourceFromVolumeDetails | undefined;
    if (source.kind === 'snapshot') {
      const snap = await this.readySnapshot({ ...ref, name: source.name });
      if (snap.region !== zone.region) {
        throw invalidArgument(
          `snapshot ${source.name} is in region ${snap.region}, the disk's zone ${zone.kom} in ${zone.region}: copy the snapshot to ${zone.region} first`,
          { reason: 'region' },
        );
      }
      if (gib * GiB < snap.size) {
        throw invalidArgument(`disk size ${gib} GiB is smaller than snapshot ${source.name}`, {
          option: 'size',
        });
      }
      sourceDetails = { type: 'volumeBackup', id: snap.handle };
      sourceTags[OKE_TAG.sourceSnapshot] = snap.name;
    } else if (source.kind === 'disk') {
      const from = await this.requireDisk({ ...ref, name: source.name });
      if (from.region !== zone.region) {
        throw invalidArgument(`disk ${source.name} is in region ${from.region}, not ${zone.region}`, {
          reason: 'region',
        });
      }
      sourceDetails = { type: 'volume', id: from.item.id };
      sourceTags[OKE_TAG.sourceDisk] = from.disk.name;
    } else if (source.kind === 'provider') {
      sourceDetails = { type: 'volumeBackup', id: source.id };
    }
    const tags = tagsToWrite({
      ...userTags,
      ...systemTags(this.ctx, ref, TAG.diskName, name, digest),
      [TAG.assigned]: assignedTagValue(req.assigned === true),
      [TAG.requestHash]: requestHash,
      ...sourceTags,
      ...(opts.fsType === undefined ? {} : { [OKE_TAG.fsType]: opts.fsType }),
    });
    const out = await this.oci.storage(
      zone.region,
      'CreateVolume',
      (c) =>
        c.createVolume({
          createVolumeDetails: {
            compartmentId: this.settings.compartmentId,
            availabilityDomain: zone.provider,
            displayName: `kompox-${req.app}-${req.volume}-${name}`,
            sizeInGBs: gib,
            vpusPerGB: opts.vpusPerGB,
            freeformTags: tags,
            ...(sourceDetails === undefined ? {} : { sourceDetails }),
          },
          // ≤ 64 characters: the digest has 40.
          opcRetryToken: digest,
        }),
      true,
    );
    return opHandle(zone.region, out.volume.id);
  }

  async getDisk(ref: DiskRef): Promise<Disk> {
    return (await this.requireDisk(ref)).disk;
  }

  async listDisks(filter: VolumeFilter): Promise<Disk[]> {
    const found = await this.volumesWhere({ ...(filter.tags ?? {}), ...this.scope(filter) });
    return found.map((f) => f.disk).sort(newestFirst);
  }

  async beginDeleteDisk(ref: DiskRef): Promise<OperationHandle<'deleteDisk'>> {
    const found = await this.findDisk(ref);
    if (found === undefined) {
      return this.handle('deleteDisk', `disk:${ref.app}/${ref.volume}/${ref.name}`, { volumeId: '' });
    }
    const { disk, region } = found;
    const op = this.handle('deleteDisk', disk.handle, { region, volumeId: disk.handle });
    if (disk.state === 'deleting') return op;
    if (disk.assigned) throw assignedDiskInUse(ref);
    const attached = await this.oci.attachments(region, disk.handle);
    if (attached.length > 0)
      throw attachedDiskInUse(
        ref,
        attached.map((a) => a.instanceId),
      );
    if (disk.state === 'creating')
      throw new DriverError('Transient', `disk ${ref.name} is still being created`);
    await this.oci.maybe(
      this.oci.storage(region, 'DeleteVolume', (c) => c.deleteVolume({ volumeId: disk.handle })),
    );
    return op;
  }

  async beginResizeDisk(ref: DiskRef, sizeBytes: number): Promise<OperationHandle<'resizeDisk'>> {
    const gib = volumeGiB(sizeBytes);
    const { disk, region } = await this.requireDisk(ref);
    if (gib * GiB < disk.size) {
      throw invalidArgument(`disk ${ref.name} has ${disk.size / GiB} GiB; disks can only grow`, {
        option: 'size',
      });
    }
    if (gib * GiB > disk.size) {
      await this.oci.storage(region, 'UpdateVolume', (c) =>
        c.updateVolume({ volumeId: disk.handle, updateVolumeDetails: { sizeInGBs: gib } }),
      );
    }
    return this.handle('resizeDisk', disk.handle, { region, volumeId: disk.handle, sizeGiB: gib });
  }

  async setDiskAssigned(ref: DiskRef, assigned: boolean): Promise<Disk> {
    const { disk, region } = await this.requireDisk(ref);
    const tags = { ...disk.tags, [TAG.assigned]: assignedTagValue(assigned) };
    await this.oci.storage(region, 'UpdateVolume', (c) =>
      c.updateVolume({ volumeId: disk.handle, updateVolumeDetails: { freeformTags: tags } }),
    );
    return { ...disk, assigned, tags };
  }

  async updateTags(resource: TaggedResource, change: TagChange): Promise<Tags> {
    applyTagChange({}, change); // refuses a key it may not touch before any call
    if (resource.kind === 'disk') {
      const { disk, region } = await this.requireDisk(resource.ref);
      const next = applyTagChange(disk.tags, change);
      await this.oci.storage(region, 'UpdateVolume', (c) =>
        c.updateVolume({ volumeId: disk.handle, updateVolumeDetails: { freeformTags: next } }),
      );
      return next;
    }
    const snap = await this.requireSnapshot(resource.ref);
    const next = applyTagChange(snap.tags, change);
    await this.oci.storage(snap.region, 'UpdateVolumeBackup', (c) =>
      c.updateVolumeBackup({
        volumeBackupId: snap.handle,
        updateVolumeBackupDetails: { freeformTags: next },
      }),
    );
    return next;
  }

  async listAttachments(ref: DiskRef): Promise<Attachment[]> {
    const { region, disk } = await this.requireDisk(ref);
    return (await this.oci.attachments(region, disk.handle)).map((a) => ({
      instanceId: a.instanceId,
      state:
        a.lifecycleState === 'ATTACHING'
          ? 'attaching'
          : a.lifecycleState === 'DETACHING'
            ? 'detaching'
            : 'attached',
    }));
  }

  /** A plain detachVolume (OCI has no force flag): it completes once the instance is stopped or gone. */
  async beginForceDetach(req: ForceDetachRequest): Promise<OperationHandle<'forceDetach'>> {
    const { region, disk } = await this.requireDisk(req.disk);
    const targets = (await this.oci.attachments(region, disk.handle)).filter(
      (a) => req.instanceId === undefined || a.instanceId === req.instanceId,
    );
    for (const a of targets) {
      if (a.lifecycleState === 'DETACHING') continue;
      try {
        await this.oci.compute(region, 'DetachVolume', (c) => c.detachVolume({ volumeAttachmentId: a.id }));
      } catch (err) {
        // Already detached or detaching: nothing left to do.
        if (!(err instanceof DriverError && (err.code === 'NotFound' || err.code === 'Conflict'))) throw err;
      }
    }
    return this.handle('forceDetach', disk.handle, {
      region,
      volumeId: disk.handle,
      instanceIds: targets.map((a) => a.instanceId),
    });
  }

  // -------------------------------------------------------------------------------------------
  // Snapshots

  private async backupsWhere(
    tags: Tags,
    regions = this.zones.regions,
  ): Promise<{ region: string; item: models.VolumeBackup }[]> {
    const perRegion = await Promise.all(
      regions.map(async (region) =>
        (await this.oci.backups(region))
          .filter((b) => isOwnBackup(b) && tagsMatch(b.freeformTags ?? {}, tags))
          .map((item) => ({ region, item })),
      ),
    );
    return perRegion.flat();
  }

  private async findSnapshot(ref: SnapshotRef): Promise<Snapshot | undefined> {
    const found = await this.backupsWhere({ ...this.scope(ref), [TAG.snapshotName]: ref.name });
    return oldest(found.map((f) => backupToSnapshot(f.item, f.region)));
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
        `snapshot ${ref.name} is ${snap.state}, not ready: wait until it is available`,
      );
    }
    return snap;
  }

  private async noSnapshotNamed(ref: VolumeRef, name: string): Promise<void> {
    if ((await this.findSnapshot({ ...ref, name })) !== undefined) {
      throw new DriverError('AlreadyExists', `snapshot ${ref.app}/${ref.volume}/${name} already exists`);
    }
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
      incremental: req.incremental,
      tags: userTags,
    });
    const digest = keyDigest(req.idempotencyKey);
    const find = async (): Promise<{ region: string; id: string } | undefined> => {
      const found = (await this.backupsWhere({ [TAG.operationKey]: digest }))[0];
      if (found === undefined) return undefined;
      checkSameRequest('snapshot', found.item.freeformTags, requestHash);
      return { region: found.region, id: found.item.id };
    };
    const earlier = await find();
    const source = earlier === undefined ? await this.snapshotSourceDisk(req) : undefined;
    const made =
      earlier ??
      (await findOrCreate({
        kind: 'createSnapshot',
        operationKey: digest,
        region: source!.region,
        intents,
        consistencyWindowMs: this.window,
        ...(this.options.lookupIntervalMs === undefined
          ? {}
          : { lookupIntervalMs: this.options.lookupIntervalMs }),
        find,
        create: async () => {
          await this.noSnapshotNamed(ref, name);
          const { region, disk } = source!;
          const tags = tagsToWrite({
            ...userTags,
            ...systemTags(this.ctx, ref, TAG.snapshotName, name, digest),
            [TAG.requestHash]: requestHash,
            [OKE_TAG.sourceDisk]: disk.name,
            [OKE_TAG.sourceVolumeId]: disk.handle,
          });
          const out = await this.oci.storage(
            region,
            'CreateVolumeBackup',
            (c) =>
              c.createVolumeBackup({
                createVolumeBackupDetails: {
                  volumeId: disk.handle,
                  // OCI makes the first backup of a volume a full one whatever is asked.
                  type: req.incremental === false ? 'FULL' : 'INCREMENTAL',
                  displayName: `kompox-${ref.app}-${ref.volume}-${name}`,
                  freeformTags: tags,
                } as models.CreateVolumeBackupDetails,
                opcRetryToken: digest,
              }),
            true,
          );
          return { region, id: out.volumeBackup.id };
        },
      }));
    return this.handle('createSnapshot', made.id, { region: made.region, backupId: made.id });
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
    const found = await this.backupsWhere({ ...(filter.tags ?? {}), ...this.scope(filter) });
    return found.map((f) => backupToSnapshot(f.item, f.region)).sort(newestFirst);
  }

  async beginDeleteSnapshot(ref: SnapshotRef): Promise<OperationHandle<'deleteSnapshot'>> {
    const snap = await this.findSnapshot(ref);
    if (snap === undefined) {
      return this.handle('deleteSnapshot', `snapshot:${ref.app}/${ref.volume}/${ref.name}`, { backupId: '' });
    }
    const op = this.handle('deleteSnapshot', snap.handle, { region: snap.region, backupId: snap.handle });
    if (snap.state === 'deleting') return op;
    if (snap.state === 'creating')
      throw new DriverError('Transient', `snapshot ${ref.name} is still being created`);
    const readers = await this.snapshotReaders(snap);
    if (readers.length > 0) {
      throw new DriverError('InUse', `snapshot ${ref.name} is being read by ${readers.join(', ')}`, {
        details: { reason: 'source' },
      });
    }
    await this.oci.maybe(
      this.oci.storage(snap.region, 'DeleteVolumeBackup', (c) =>
        c.deleteVolumeBackup({ volumeBackupId: snap.handle }),
      ),
    );
    return op;
  }

  /** Volumes being restored from a backup and copies of it still being made. */
  private async snapshotReaders(snap: Snapshot): Promise<string[]> {
    const [volumes, copies] = await Promise.all([
      this.oci.volumes(snap.region),
      Promise.all(
        this.zones.regions.map(async (region) =>
          (await this.oci.backups(region, { sourceVolumeBackupId: snap.handle })).map((b) => ({ region, b })),
        ),
      ),
    ]);
    return [
      ...volumes
        .filter((v) => (v.sourceDetails as { id?: string } | undefined)?.id === snap.handle)
        .filter((v) => v.lifecycleState === 'PROVISIONING' || v.lifecycleState === 'RESTORING')
        .map((v) => `volume ${v.id}`),
      ...copies
        .flat()
        .filter(({ b }) => b.lifecycleState === 'CREATING' || b.lifecycleState === 'REQUEST_RECEIVED')
        .map(({ region, b }) => `copy ${b.id} in ${region}`),
    ];
  }

  async beginCopySnapshot(
    req: CopySnapshotRequest,
    intents?: IntentLog,
  ): Promise<OperationHandle<'copySnapshot'>> {
    validateIdempotencyKey(req.idempotencyKey);
    const target = req.targetRegion;
    this.zones.zonesOf(target);
    const name = req.targetName ?? `${req.snapshot.name}-${target}`;
    checkName('snapshot name', name);
    const ref = { app: req.snapshot.app, volume: req.snapshot.volume };
    const requestHash = requestFingerprint({ source: req.snapshot, region: target, name });
    const digest = keyDigest(req.idempotencyKey);
    const src = await this.readySnapshot(req.snapshot);
    if (src.region === target) throw invalidArgument(`snapshot ${src.name} is already in region ${target}`);
    const displayName = `kompox-copy-${digest}`;
    const tags = tagsToWrite({
      ...src.tags,
      ...systemTags(this.ctx, ref, TAG.snapshotName, name, digest),
      [TAG.requestHash]: requestHash,
      [OKE_TAG.copiedFrom]: src.name,
      [OKE_TAG.copiedFromRegion]: src.region,
      [OKE_TAG.copiedFromId]: src.handle,
    });
    // A copy is found by its tags once written, and before that by its source and display name.
    const find = async (): Promise<string | undefined> => {
      const tagged = (await this.backupsWhere({ [TAG.operationKey]: digest }, [target]))[0];
      if (tagged !== undefined) {
        checkSameRequest('snapshot', tagged.item.freeformTags, requestHash);
        return tagged.item.id;
      }
      const untagged = (await this.oci.backups(target, { sourceVolumeBackupId: src.handle })).find(
        (b) => b.displayName === displayName,
      );
      return untagged?.id;
    };
    const id =
      (await find()) ??
      (await findOrCreate({
        kind: 'copySnapshot',
        operationKey: digest,
        region: target,
        intents,
        consistencyWindowMs: this.window,
        ...(this.options.lookupIntervalMs === undefined
          ? {}
          : { lookupIntervalMs: this.options.lookupIntervalMs }),
        find,
        create: async () => {
          await this.noSnapshotNamed(ref, name);
          // Sent to the source region; the new backup lives in the destination.
          const out = await this.oci.storage(
            src.region,
            'CopyVolumeBackup',
            (c) =>
              c.copyVolumeBackup({
                volumeBackupId: src.handle,
                copyVolumeBackupDetails: { destinationRegion: target, displayName },
                opcRetryToken: digest,
              }),
            true,
          );
          return out.volumeBackup.id;
        },
      }));
    return this.handle('copySnapshot', id, { region: target, backupId: id, tags });
  }

  // -------------------------------------------------------------------------------------------
  // PV source and fencing

  pvSource(disk: Disk): PvSource {
    const zone = this.zones.resolve(disk.zone);
    return {
      volumeHandle: disk.handle,
      capacityBytes: disk.size,
      accessModes: ['ReadWriteOnce'],
      volumeMode: 'Filesystem',
      csi: { driver: OCI_CSI_DRIVER, fsType: String(disk.options.fsType ?? 'ext4'), volumeAttributes: {} },
      topology: { key: OKE_TOPOLOGY_KEY, values: [zone.topology] },
    };
  }

  async beginFenceNode(req: FenceRequest): Promise<OperationHandle<'fenceNode'>> {
    const { region, instanceId } = instanceOf(req, this.zones);
    await stopInstance(this.oci, region, instanceId);
    return this.handle('fenceNode', instanceId, { region, instanceId });
  }

  async getInstanceState(ref: InstanceRef): Promise<InstanceState> {
    if (!ref.providerId) return 'unknown';
    const { region, instanceId } = instanceOf(ref, this.zones);
    return instanceState(this.oci, region, instanceId);
  }

  // -------------------------------------------------------------------------------------------
  // Polling

  async poll<K extends OperationKind>(op: OperationHandle<K>): Promise<PollResult<K>> {
    if (op.provider !== OKE_DRIVER_NAME)
      throw invalidArgument(`operation of provider ${op.provider} given to oke`);
    return pollOci(this.oci, this.zones, op);
  }
}

export function createOkeDriver(ctx: DriverContext, options?: OkeDriverOptions): OkeDriver {
  return new OkeDriver(ctx, options);
}
