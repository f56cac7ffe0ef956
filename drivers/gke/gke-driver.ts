// The `gke` provider: disks are Persistent Disks (zonal, or regional across two zones), snapshots
// are Compute Engine snapshots (global), fencing stops the instance behind a node. Everything
// Kompox knows is in the resources' `kompox-*` labels, so the driver holds only configuration and
// its clients (compute-calls.ts); long operations resume from an operation name and its scope.
//
// Idempotency (cloud-drivers.md §0.3): a resource's Compute Engine name comes from its Kompox
// identity (names.ts) and every create sends requestId = keyUuid(idempotency key), so a retry
// after a lost reply gets the first operation back; a create first looks for the operation-key
// label (a retry after a crash), and a 409 on the name reads the resource and compares that label.
// Snapshots are global: a copy to another region records the region on the source snapshot.
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
import { keyDigest, keyName, keyUuid, requestFingerprint, validateIdempotencyKey } from '../idempotency';
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
import {
  type ComputeCallOptions,
  ComputeCalls,
  type GceDisk,
  type GceOperation,
  type GceSnapshot,
  type OperationScope,
} from './compute-calls';
import { mapOperationError } from './errors';
import { getGceDisk, pollGke } from './gke-poll';
import { detachFrom, instanceOf, instanceState, stopInstance } from './instances';
import { type DiskScope, diskPath, gceName, parseDiskPath, parseSnapshotPath, snapshotPath } from './names';
import { GiB, pdOptions, sizeGb } from './pd-options';
import {
  GKE_LABEL,
  attachmentsOf,
  copiesOf,
  copyLabels,
  diskToRecord,
  labelsOf,
  scopeOf,
  snapshotRecords,
} from './pd-records';
import { type GkeSettings, readGkeSettings } from './settings';
import { GkeZones } from './zones';

export const GKE_DRIVER_NAME = 'gke';
export const PD_CSI_DRIVER = 'pd.csi.storage.gke.io';
export const GKE_TOPOLOGY_KEY = 'topology.gke.io/zone';

export type GkeDriverOptions = ComputeCallOptions;

interface DiskRec {
  gce: GceDisk;
  disk: Disk;
}

interface SnapshotRec {
  gce: GceSnapshot;
  snap: Snapshot;
}

export class GkeDriver implements ProviderDriver {
  readonly driverName = GKE_DRIVER_NAME;
  readonly capabilities: Capabilities = {
    forceDetach: false,
    fence: true,
    zoneRedundantDisks: true,
    incrementalSnapshots: true,
    crossRegionCopy: true,
    diskFromDisk: true,
    instanceState: true,
  };

  readonly settings: GkeSettings;
  readonly calls: ComputeCalls;
  private readonly zones: GkeZones;

  constructor(
    private readonly ctx: DriverContext,
    options: GkeDriverOptions = {},
  ) {
    this.settings = readGkeSettings(ctx);
    this.calls = new ComputeCalls(this.settings, options);
    this.zones = new GkeZones(
      this.settings.region,
      [this.settings.region, ...this.settings.extraRegions],
      (r) => this.calls.zonesOfRegion(r),
    );
  }

  private handle<K extends OperationKind>(kind: K, id: string, pollState: JsonObject): OperationHandle<K> {
    return { kind, provider: GKE_DRIVER_NAME, id, pollState, startedAt: new Date().toISOString() };
  }

  /** A handle on a Compute Engine operation: its name and scope, plus what it works on. */
  private opHandle<K extends OperationKind>(
    kind: K,
    op: GceOperation | undefined,
    scope: OperationScope,
    state: JsonObject,
  ): OperationHandle<K> {
    const name = op?.name ?? '';
    return this.handle(kind, name === '' ? String(state.disk ?? state.snapshot ?? kind) : name, {
      operation: name,
      scope: scope.scope,
      location: scope.location,
      ...state,
    });
  }

  /** The labels that select the resources of an app (and volume) of this workspace and provider. */
  private scope(filter: { app: string; volume?: string }): Tags {
    return {
      [TAG.managedBy]: MANAGED_BY_VALUE,
      [TAG.workspace]: this.ctx.workspace,
      [TAG.provider]: this.ctx.provider,
      [TAG.app]: filter.app,
      ...(filter.volume === undefined ? {} : { [TAG.volume]: filter.volume }),
    };
  }

  private gceName(kind: 'disk' | 'snapshot', ref: { app: string; volume: string }, name: string): string {
    return gceName(kind, { workspace: this.ctx.workspace, provider: this.ctx.provider, ...ref, name });
  }

  // -------------------------------------------------------------------------------------------
  // Zones

  listRegions(): Promise<RegionInfo[]> {
    return this.zones.listRegions();
  }

  resolveZone(zone: string): Promise<ZoneInfo> {
    return this.zones.resolve(zone);
  }

  async diskOffering(req: { region?: string; options?: DiskOptions }): Promise<DiskOffering> {
    const opts = pdOptions(req.options, this.settings.diskType);
    const region = req.region ?? this.zones.home;
    const zones = await this.zones.zonesOf(region);
    if (opts.regional && zones.length < 2) {
      throw new DriverError('Unsupported', `region ${region} has fewer than two zones: no regional disks`);
    }
    return { region, zoneRedundant: opts.regional, zones };
  }

  // -------------------------------------------------------------------------------------------
  // Disks

  private async disksWhere(tags: Tags): Promise<DiskRec[]> {
    const project = await this.calls.project();
    return (await this.calls.disksWhere(tags)).map((gce) => ({ gce, disk: diskToRecord(gce, project) }));
  }

  private async findDisk(ref: DiskRef): Promise<DiskRec | undefined> {
    const found = await this.disksWhere({ ...this.scope(ref), [TAG.diskName]: ref.name });
    // Two disks of one name only come from racing creates with different keys: the first stands.
    return oldest(found.map((f) => ({ ...f, createdAt: f.disk.createdAt })));
  }

  private async requireDisk(ref: DiskRef): Promise<DiskRec> {
    const found = await this.findDisk(ref);
    if (found === undefined) throw notFound(`disk ${ref.app}/${ref.volume}/${ref.name}`);
    return found;
  }

  private diskOpHandle<K extends 'createDisk' | 'resizeDisk' | 'deleteDisk'>(
    kind: K,
    op: GceOperation | undefined,
    project: string,
    scope: DiskScope,
    name: string,
    more: JsonObject = {},
  ): OperationHandle<K> {
    const opScope: OperationScope =
      scope.kind === 'zone'
        ? { scope: 'zone', location: scope.zone }
        : { scope: 'region', location: scope.region };
    return this.opHandle(kind, op, opScope, { disk: diskPath(project, scope, name), ...more });
  }

  async beginCreateDisk(req: CreateDiskRequest): Promise<OperationHandle<'createDisk'>> {
    checkName('app', req.app);
    checkName('volume', req.volume);
    validateIdempotencyKey(req.idempotencyKey);
    const opts = pdOptions(req.options, this.settings.diskType);
    const gb = sizeGb(req.sizeBytes, opts);
    const source = req.source ?? { kind: 'empty' };
    const name = req.name ?? `d${keyName(req.idempotencyKey, 11)}`;
    checkName('disk name', name);
    const userTags = checkUserTags(req.tags);
    const zone = await this.zones.resolve(req.zone ?? (await this.zones.defaultZone()).kom);
    let replicas: ZoneInfo[] = [zone];
    if (opts.regional) {
      replicas =
        opts.replicaZones === undefined
          ? [zone, await this.zones.nextZone(zone)]
          : await Promise.all(opts.replicaZones.map((z) => this.zones.resolve(z)));
      if (replicas.some((r) => r.region !== zone.region) || !replicas.some((r) => r.kom === zone.kom)) {
        throw invalidArgument(
          `replicaZones must be two zones of ${zone.region}, one of them the disk's zone ${zone.kom}`,
          {
            option: 'replicaZones',
          },
        );
      }
    }
    const project = await this.calls.project();
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
    const scope: DiskScope = opts.regional
      ? { kind: 'region', region: zone.region }
      : { kind: 'zone', zone: zone.provider };
    const gceDiskName = this.gceName('disk', ref, name);
    const existing = (rec: DiskRec): OperationHandle<'createDisk'> => {
      checkSameRequest('disk', rec.disk.tags, requestHash);
      return this.diskOpHandle('createDisk', undefined, project, scopeOf(rec.gce), rec.gce.name ?? '');
    };

    const earlier = (await this.disksWhere({ [TAG.operationKey]: digest }))[0];
    if (earlier !== undefined) return existing(earlier);
    if ((await this.findDisk({ ...ref, name })) !== undefined) {
      throw new DriverError('AlreadyExists', `disk ${req.app}/${req.volume}/${name} already exists`);
    }
    const sourceLabels: Tags = {};
    let sourceSnapshot: string | undefined;
    let sourceDisk: string | undefined;
    if (source.kind === 'snapshot') {
      const snap = await this.readySnapshot({ ...ref, name: source.name });
      if (gb * GiB < snap.size) {
        throw invalidArgument(
          `disk size ${gb} GB is smaller than snapshot ${source.name} (${snap.size / GiB} GB)`,
          {
            option: 'size',
          },
        );
      }
      // Snapshots are global: a disk in any region restores from one.
      sourceSnapshot = snap.handle;
      sourceLabels[GKE_LABEL.sourceSnapshot] = snap.name;
    } else if (source.kind === 'disk') {
      const { disk } = await this.requireDisk({ ...ref, name: source.name });
      const same = disk.zoneRedundant
        ? opts.regional && disk.region === zone.region
        : !opts.regional && disk.zone === zone.kom;
      if (!same) {
        throw invalidArgument(
          `disk ${source.name} is in ${disk.zoneRedundant ? disk.region : disk.zone}: a clone is made in the same ${disk.zoneRedundant ? 'region (regional)' : 'zone (zonal)'}; snapshot it to go elsewhere`,
          { reason: 'zone' },
        );
      }
      sourceDisk = disk.handle;
      sourceLabels[GKE_LABEL.sourceDisk] = disk.name;
    } else if (source.kind === 'provider') {
      const snap = parseSnapshotPath(source.id);
      if (snap === undefined) {
        throw invalidArgument(
          `provider source "${source.id}" is not a snapshot path (projects/P/global/snapshots/NAME)`,
        );
      }
      sourceSnapshot = snapshotPath(snap.project, snap.name);
    }
    const labels = tagsToWrite({
      ...userTags,
      ...systemTags(this.ctx, ref, TAG.diskName, name, digest),
      [TAG.assigned]: assignedTagValue(req.assigned === true),
      [TAG.requestHash]: requestHash,
      [GKE_LABEL.fsType]: opts.fsType,
      ...sourceLabels,
    });
    const diskResource = {
      name: gceDiskName,
      sizeGb: String(gb),
      type:
        scope.kind === 'zone'
          ? `projects/${project}/zones/${scope.zone}/diskTypes/${opts.type}`
          : `projects/${project}/regions/${scope.region}/diskTypes/${opts.type}`,
      labels,
      description: `Kompox disk ${req.app}/${req.volume}/${name}`,
      ...(opts.regional
        ? { replicaZones: replicas.map((r) => `projects/${project}/zones/${r.provider}`) }
        : {}),
      ...(sourceSnapshot === undefined ? {} : { sourceSnapshot }),
      ...(sourceDisk === undefined ? {} : { sourceDisk }),
    };
    const requestId = keyUuid(req.idempotencyKey);
    const where = scope.kind === 'zone' ? scope.zone : scope.region;
    try {
      const op = await this.calls.call(`disks.insert in ${where}`, 'compute.disks.create', async () => {
        const [lro] =
          scope.kind === 'zone'
            ? await this.calls.disks.insert(
                { project, zone: scope.zone, requestId, diskResource },
                this.calls.callOptions,
              )
            : await this.calls.regionDisks.insert(
                { project, region: scope.region, requestId, diskResource },
                this.calls.callOptions,
              );
        return lro.latestResponse as GceOperation;
      });
      return this.diskOpHandle('createDisk', op, project, scope, gceDiskName);
    } catch (err) {
      if (!(err instanceof DriverError && err.code === 'AlreadyExists')) throw err;
      // The name is taken: a create of this key whose label lookup came too early, or another key.
      const there = await getGceDisk(this.calls, project, scope, gceDiskName);
      if (there !== undefined && labelsOf(there)[TAG.operationKey] === digest) {
        return existing({ gce: there, disk: diskToRecord(there, project) });
      }
      throw new DriverError('AlreadyExists', `disk ${req.app}/${req.volume}/${name} already exists`, {
        cause: err,
      });
    }
  }

  async getDisk(ref: DiskRef): Promise<Disk> {
    return (await this.requireDisk(ref)).disk;
  }

  async listDisks(filter: VolumeFilter): Promise<Disk[]> {
    const found = await this.disksWhere({ ...(filter.tags ?? {}), ...this.scope(filter) });
    return found.map((f) => f.disk).sort(newestFirst);
  }

  async beginDeleteDisk(ref: DiskRef): Promise<OperationHandle<'deleteDisk'>> {
    const found = await this.findDisk(ref);
    if (found === undefined) {
      return this.handle('deleteDisk', `disk:${ref.app}/${ref.volume}/${ref.name}`, { operation: '' });
    }
    const { disk, gce } = found;
    const project = await this.calls.project();
    const scope = scopeOf(gce);
    if (disk.assigned) throw assignedDiskInUse(ref);
    const attached = attachmentsOf(gce);
    if (attached.length > 0)
      throw attachedDiskInUse(
        ref,
        attached.map((a) => a.instanceId),
      );
    if (disk.state === 'creating')
      throw new DriverError('Transient', `disk ${ref.name} is still being created`);
    // One requestId per disk incarnation (its numeric id): a retry repeats, a later disk of the same name does not.
    const requestId = keyUuid(`delete/${String(gce.id)}`);
    const op = await this.calls.maybe(`disks.delete ${disk.handle}`, 'compute.disks.delete', async () => {
      const [lro] =
        scope.kind === 'zone'
          ? await this.calls.disks.delete(
              { project, zone: scope.zone, disk: gce.name, requestId },
              this.calls.callOptions,
            )
          : await this.calls.regionDisks.delete(
              { project, region: scope.region, disk: gce.name, requestId },
              this.calls.callOptions,
            );
      return lro.latestResponse as GceOperation;
    });
    return this.diskOpHandle('deleteDisk', op, project, scope, gce.name ?? '');
  }

  async beginResizeDisk(ref: DiskRef, sizeBytes: number): Promise<OperationHandle<'resizeDisk'>> {
    const { disk, gce } = await this.requireDisk(ref);
    const gb = sizeGb(sizeBytes, {
      type: String(disk.options.type) as 'pd-balanced',
      regional: disk.zoneRedundant,
    });
    if (gb * GiB < disk.size) {
      throw invalidArgument(`disk ${ref.name} has ${disk.size / GiB} GB; disks can only grow`, {
        option: 'size',
      });
    }
    const project = await this.calls.project();
    const scope = scopeOf(gce);
    let op: GceOperation | undefined;
    if (gb * GiB > disk.size) {
      const requestId = keyUuid(`resize/${String(gce.id)}/${gb}`);
      op = await this.calls.call(`disks.resize ${disk.handle}`, 'compute.disks.resize', async () => {
        const [lro] =
          scope.kind === 'zone'
            ? await this.calls.disks.resize(
                {
                  project,
                  zone: scope.zone,
                  disk: gce.name,
                  requestId,
                  disksResizeRequestResource: { sizeGb: String(gb) },
                },
                this.calls.callOptions,
              )
            : await this.calls.regionDisks.resize(
                {
                  project,
                  region: scope.region,
                  disk: gce.name,
                  requestId,
                  regionDisksResizeRequestResource: { sizeGb: String(gb) },
                },
                this.calls.callOptions,
              );
        return lro.latestResponse as GceOperation;
      });
    }
    return this.diskOpHandle('resizeDisk', op, project, scope, gce.name ?? '', { sizeGb: gb });
  }

  /**
   * Sets a disk's labels to `change(current)` with the label fingerprint Compute Engine asks for;
   * a fingerprint that moved meanwhile (another writer) reads the labels again.
   */
  private async relabelDisk(ref: DiskRef, change: (labels: Tags) => Tags): Promise<Disk> {
    for (let attempt = 1; ; attempt++) {
      const { gce } = await this.requireDisk(ref);
      const project = await this.calls.project();
      const scope = scopeOf(gce);
      const labels = change(labelsOf(gce));
      const body = { labels, labelFingerprint: gce.labelFingerprint ?? '' };
      const requestId = keyUuid(
        `labels/${String(gce.id)}/${body.labelFingerprint}/${requestFingerprint(labels)}`,
      );
      try {
        const op = await this.calls.call(
          `disks.setLabels ${gce.name}`,
          'compute.disks.setLabels',
          async () => {
            const [lro] =
              scope.kind === 'zone'
                ? await this.calls.disks.setLabels(
                    {
                      project,
                      zone: scope.zone,
                      resource: gce.name,
                      requestId,
                      zoneSetLabelsRequestResource: body,
                    },
                    this.calls.callOptions,
                  )
                : await this.calls.regionDisks.setLabels(
                    {
                      project,
                      region: scope.region,
                      resource: gce.name,
                      requestId,
                      regionSetLabelsRequestResource: body,
                    },
                    this.calls.callOptions,
                  );
            return lro.latestResponse as GceOperation;
          },
        );
        const opScope: OperationScope =
          scope.kind === 'zone'
            ? { scope: 'zone', location: scope.zone }
            : { scope: 'region', location: scope.region };
        await this.finishShort(opScope, op, `setting labels of disk ${ref.name}`);
        return diskToRecord({ ...gce, labels }, project);
      } catch (err) {
        if (attempt >= 3 || !(err instanceof DriverError && err.details.gcpCode === 'conditionNotMet'))
          throw err;
      }
    }
  }

  private async finishShort(scope: OperationScope, op: GceOperation, action: string): Promise<void> {
    const done = String(op.status) === 'DONE' ? op : await this.calls.waitShort(scope, op.name ?? '', action);
    if (done.error?.errors?.length) throw mapOperationError(done.error, action);
  }

  async setDiskAssigned(ref: DiskRef, assigned: boolean): Promise<Disk> {
    return this.relabelDisk(ref, (labels) => ({ ...labels, [TAG.assigned]: assignedTagValue(assigned) }));
  }

  async updateTags(resource: TaggedResource, change: TagChange): Promise<Tags> {
    applyTagChange({}, change); // refuses a key it may not touch before any call
    if (resource.kind === 'disk') {
      return (await this.relabelDisk(resource.ref, (labels) => applyTagChange(labels, change))).tags;
    }
    const { gce, snap } = await this.requireSnapshot(resource.ref);
    if (snap.copiedFrom !== undefined) {
      throw invalidArgument(
        `snapshot ${resource.ref.name} is a copy of ${snap.copiedFrom.name} (snapshots are global: a copy is a record on it); change the tags of ${snap.copiedFrom.name}`,
      );
    }
    const next = await this.relabelSnapshot(gce, (labels) => applyTagChange(labels, change));
    return Object.fromEntries(Object.entries(next).filter(([k]) => !k.startsWith('kompox-copy')));
  }

  async listAttachments(ref: DiskRef): Promise<Attachment[]> {
    return attachmentsOf((await this.requireDisk(ref)).gce);
  }

  /**
   * Plain instances.detachDisk from every instance (or the one named): Compute Engine has no force
   * flag; it detaches from a stopped or deleted VM, so fence first. A regional disk can instead be
   * force-attached in its other zone (the PV's `force-attach` attribute).
   */
  async beginForceDetach(req: ForceDetachRequest): Promise<OperationHandle<'forceDetach'>> {
    const { gce, disk } = await this.requireDisk(req.disk);
    const targets = attachmentsOf(gce)
      .map((a) => a.instanceId)
      .filter(
        (id) => req.instanceId === undefined || id === req.instanceId || id.endsWith(`/${req.instanceId}`),
      );
    for (const instance of targets) await detachFrom(this.calls, instance, disk.handle);
    return this.handle('forceDetach', disk.handle, { operation: '', disk: disk.handle, instances: targets });
  }

  // -------------------------------------------------------------------------------------------
  // Snapshots

  private async snapshotsWhere(tags: Tags): Promise<SnapshotRec[]> {
    const project = await this.calls.project();
    return (await this.calls.snapshotsWhere(tags)).flatMap((gce) =>
      snapshotRecords(gce, project).map((snap) => ({ gce, snap })),
    );
  }

  private async findSnapshot(ref: SnapshotRef): Promise<SnapshotRec | undefined> {
    const found = (await this.snapshotsWhere(this.scope(ref))).filter((f) => f.snap.name === ref.name);
    return oldest(found.map((f) => ({ ...f, createdAt: f.snap.createdAt })));
  }

  private async requireSnapshot(ref: SnapshotRef): Promise<SnapshotRec> {
    const found = await this.findSnapshot(ref);
    if (found === undefined) throw notFound(`snapshot ${ref.app}/${ref.volume}/${ref.name}`);
    return found;
  }

  private async readySnapshot(ref: SnapshotRef): Promise<Snapshot> {
    const { snap } = await this.requireSnapshot(ref);
    if (snap.state !== 'ready') {
      throw new DriverError('Conflict', `snapshot ${ref.name} is ${snap.state}, not ready: wait until it is`);
    }
    return snap;
  }

  private snapshotHandle<K extends 'createSnapshot' | 'copySnapshot'>(
    kind: K,
    op: GceOperation | undefined,
    scope: OperationScope,
    project: string,
    gceSnapshot: string,
    more: JsonObject = {},
  ): OperationHandle<K> {
    return this.opHandle(kind, op, scope, { project, snapshot: gceSnapshot, ...more });
  }

  /**
   * Compute Engine takes a requestId for snapshots too, and the snapshot's name is fixed by its
   * Kompox name, so no intent is needed: `_intents` is accepted for the contract and not used.
   */
  async beginCreateSnapshot(
    req: CreateSnapshotRequest,
    _intents?: IntentLog,
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
    const project = await this.calls.project();
    const global: OperationScope = { scope: 'global', location: '' };
    const gceSnapshot = this.gceName('snapshot', ref, name);
    const existing = (gce: GceSnapshot): OperationHandle<'createSnapshot'> => {
      checkSameRequest('snapshot', labelsOf(gce), requestHash);
      return this.snapshotHandle('createSnapshot', undefined, global, project, gce.name ?? '');
    };
    const earlier = (await this.calls.snapshotsWhere({ [TAG.operationKey]: digest }))[0];
    if (earlier !== undefined) return existing(earlier);
    if ((await this.findSnapshot({ ...ref, name })) !== undefined) {
      throw new DriverError('AlreadyExists', `snapshot ${req.app}/${req.volume}/${name} already exists`);
    }
    const disk = await this.snapshotSourceDisk(req);
    const labels = tagsToWrite({
      ...userTags,
      ...systemTags(this.ctx, ref, TAG.snapshotName, name, digest),
      [TAG.requestHash]: requestHash,
      [GKE_LABEL.sourceDisk]: disk.name,
    });
    const snapshotResource = {
      name: gceSnapshot,
      labels,
      description: `Kompox snapshot ${req.app}/${req.volume}/${name} of disk ${disk.name}`,
    };
    const target = parseDiskPath(disk.handle)!;
    const requestId = keyUuid(req.idempotencyKey);
    try {
      const op = await this.calls.call(
        `disks.createSnapshot ${disk.handle}`,
        'compute.disks.createSnapshot',
        async () => {
          const [lro] =
            target.scope.kind === 'zone'
              ? await this.calls.disks.createSnapshot(
                  { project, zone: target.scope.zone, disk: target.name, requestId, snapshotResource },
                  this.calls.callOptions,
                )
              : await this.calls.regionDisks.createSnapshot(
                  { project, region: target.scope.region, disk: target.name, requestId, snapshotResource },
                  this.calls.callOptions,
                );
          return lro.latestResponse as GceOperation;
        },
      );
      const scope: OperationScope =
        target.scope.kind === 'zone'
          ? { scope: 'zone', location: target.scope.zone }
          : { scope: 'region', location: target.scope.region };
      return this.snapshotHandle('createSnapshot', op, scope, project, gceSnapshot);
    } catch (err) {
      if (!(err instanceof DriverError && err.code === 'AlreadyExists')) throw err;
      const there = await this.calls.maybe(
        `snapshots.get ${gceSnapshot}`,
        'compute.snapshots.get',
        async () =>
          (await this.calls.snapshots.get({ project, snapshot: gceSnapshot }, this.calls.callOptions))[0],
      );
      if (there !== undefined && labelsOf(there)[TAG.operationKey] === digest) return existing(there);
      throw new DriverError('AlreadyExists', `snapshot ${req.app}/${req.volume}/${name} already exists`, {
        cause: err,
      });
    }
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
    return (await this.requireSnapshot(ref)).snap;
  }

  async listSnapshots(filter: VolumeFilter): Promise<Snapshot[]> {
    const found = await this.snapshotsWhere({ ...(filter.tags ?? {}), ...this.scope(filter) });
    return found.map((f) => f.snap).sort(newestFirst);
  }

  /** Sets a snapshot's labels with its fingerprint (global operation); returns the labels written. */
  private async relabelSnapshot(gce: GceSnapshot, change: (labels: Tags) => Tags): Promise<Tags> {
    const project = await this.calls.project();
    let current = gce;
    for (let attempt = 1; ; attempt++) {
      const labels = change(labelsOf(current));
      const body = { labels, labelFingerprint: current.labelFingerprint ?? '' };
      try {
        // snapshots.setLabels takes no requestId: the fingerprint makes a repeat fail (412), and
        // the repeat reads the labels again.
        const op = await this.calls.call(
          `snapshots.setLabels ${current.name}`,
          'compute.snapshots.setLabels',
          async () => {
            const [lro] = await this.calls.snapshots.setLabels(
              { project, resource: current.name, globalSetLabelsRequestResource: body },
              this.calls.callOptions,
            );
            return lro.latestResponse as GceOperation;
          },
        );
        await this.finishShort(
          { scope: 'global', location: '' },
          op,
          `setting labels of snapshot ${current.name}`,
        );
        return labels;
      } catch (err) {
        if (attempt >= 3 || !(err instanceof DriverError && err.details.gcpCode === 'conditionNotMet'))
          throw err;
        const [fresh] = await this.calls.snapshots.get(
          { project, snapshot: current.name },
          this.calls.callOptions,
        );
        current = fresh;
      }
    }
  }

  async beginDeleteSnapshot(ref: SnapshotRef): Promise<OperationHandle<'deleteSnapshot'>> {
    const nothing = (): OperationHandle<'deleteSnapshot'> =>
      this.handle('deleteSnapshot', `snapshot:${ref.app}/${ref.volume}/${ref.name}`, { operation: '' });
    const found = await this.findSnapshot(ref);
    if (found === undefined) return nothing();
    const { gce, snap } = found;
    const project = await this.calls.project();
    if (snap.state === 'creating')
      throw new DriverError('Transient', `snapshot ${ref.name} is still being created`);
    const readers = (await this.disksWhere(this.scope(ref))).filter(
      (d) => d.disk.state === 'creating' && d.disk.source?.handle === snap.handle,
    );
    if (readers.length > 0) {
      throw new DriverError(
        'InUse',
        `snapshot ${ref.name} is being read by disk ${readers.map((r) => r.disk.name).join(', ')}`,
        {
          details: { reason: 'source' },
        },
      );
    }
    const labels = labelsOf(gce);
    const copies = copiesOf(gce, project);
    if (snap.copiedFrom !== undefined) {
      // A copy is three labels on its source; the data goes when no name is left.
      const l = copyLabels(snap.region);
      const rest = copies.filter((c) => c.region !== snap.region);
      if (rest.length > 0 || labels[GKE_LABEL.deleted] !== 'true') {
        await this.relabelSnapshot(gce, (now) =>
          Object.fromEntries(Object.entries(now).filter(([k]) => k !== l.name && k !== l.key && k !== l.at)),
        );
        return nothing();
      }
    } else if (copies.length > 0) {
      await this.relabelSnapshot(gce, (now) => ({ ...now, [GKE_LABEL.deleted]: 'true' }));
      return nothing();
    }
    const requestId = keyUuid(`delete/${String(gce.id)}`);
    const op = await this.calls.maybe(
      `snapshots.delete ${gce.name}`,
      'compute.snapshots.delete',
      async () => {
        const [lro] = await this.calls.snapshots.delete(
          { project, snapshot: gce.name, requestId },
          this.calls.callOptions,
        );
        return lro.latestResponse as GceOperation;
      },
    );
    return this.opHandle(
      'deleteSnapshot',
      op,
      { scope: 'global', location: '' },
      { project, snapshot: gce.name ?? '' },
    );
  }

  /**
   * Snapshots are global, so a copy moves no data: it records the target region, the copy's name
   * and its operation key on the source snapshot, and reads as a ready snapshot of that region.
   */
  async beginCopySnapshot(
    req: CopySnapshotRequest,
    _intents?: IntentLog,
  ): Promise<OperationHandle<'copySnapshot'>> {
    validateIdempotencyKey(req.idempotencyKey);
    const target = req.targetRegion;
    await this.zones.zonesOf(target);
    const name = req.targetName ?? `${req.snapshot.name}-${target}`;
    checkName('snapshot name', name);
    const ref = { app: req.snapshot.app, volume: req.snapshot.volume };
    const digest = keyDigest(req.idempotencyKey);
    const project = await this.calls.project();
    const global: OperationScope = { scope: 'global', location: '' };
    const all = await this.snapshotsWhere(this.scope(ref));
    const earlier = all.find(
      (f) => f.snap.copiedFrom !== undefined && f.snap.tags[TAG.operationKey] === digest,
    );
    if (earlier !== undefined) {
      if (
        earlier.snap.name !== name ||
        earlier.snap.region !== target ||
        earlier.snap.copiedFrom?.name !== req.snapshot.name
      ) {
        throw new DriverError(
          'Conflict',
          `idempotency key was already used for a different copy (${earlier.snap.name})`,
          {
            details: { reason: 'idempotencyKey' },
          },
        );
      }
      return this.snapshotHandle('copySnapshot', undefined, global, project, earlier.gce.name ?? '', {
        region: target,
      });
    }
    if (all.some((f) => f.snap.name === name)) {
      throw new DriverError('AlreadyExists', `snapshot ${ref.app}/${ref.volume}/${name} already exists`);
    }
    const src = await this.readySnapshot(req.snapshot);
    if (src.copiedFrom !== undefined)
      throw invalidArgument(`snapshot ${src.name} is itself a copy: copy ${src.copiedFrom.name}`);
    if (src.region === target) throw invalidArgument(`snapshot ${src.name} is already in region ${target}`);
    const gce = all.find((f) => f.snap.name === src.name)!.gce;
    const l = copyLabels(target);
    const already = labelsOf(gce)[l.name];
    if (already !== undefined) {
      throw new DriverError('Conflict', `snapshot ${src.name} already has a copy in ${target}: ${already}`);
    }
    await this.relabelSnapshot(gce, (now) => ({
      ...now,
      [l.name]: name,
      [l.key]: digest,
      [l.at]: String(Math.floor(Date.now() / 1000)),
    }));
    return this.snapshotHandle('copySnapshot', undefined, global, project, gce.name ?? '', {
      region: target,
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
      csi: {
        driver: PD_CSI_DRIVER,
        fsType: String(disk.options.fsType ?? 'ext4'),
        // The PD CSI driver attaches a regional disk in its other zone even while the dead node
        // still holds it; it refuses the attribute on zonal disks.
        volumeAttributes: disk.zoneRedundant ? { 'force-attach': 'true' } : {},
      },
      topology: { key: GKE_TOPOLOGY_KEY, values: [...disk.zones] },
    };
  }

  async beginFenceNode(req: FenceRequest): Promise<OperationHandle<'fenceNode'>> {
    const i = instanceOf(req);
    const op = await stopInstance(this.calls, i);
    return this.opHandle(
      'fenceNode',
      op,
      { scope: 'zone', location: i.zone },
      { project: i.project, zone: i.zone, instance: i.name },
    );
  }

  /** From the providerID; a node without one is `unknown` (its zone, and so its VM, cannot be placed). */
  async getInstanceState(ref: InstanceRef): Promise<InstanceState> {
    if (!ref.providerId) return 'unknown';
    return instanceState(this.calls, instanceOf(ref));
  }

  // -------------------------------------------------------------------------------------------
  // Polling

  async poll<K extends OperationKind>(op: OperationHandle<K>): Promise<PollResult<K>> {
    if (op.provider !== GKE_DRIVER_NAME)
      throw invalidArgument(`operation of provider ${op.provider} given to gke`);
    return pollGke(this.calls, op);
  }

  close(): Promise<void> {
    return this.calls.close();
  }
}

export function createGkeDriver(ctx: DriverContext, options?: GkeDriverOptions): GkeDriver {
  return new GkeDriver(ctx, options);
}
