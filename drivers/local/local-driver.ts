// The `local` provider: disks are directories, snapshots are checksummed archives, zones and
// regions are names. It plays the role csi-driver-host-path plays for Kubernetes: the embedded
// default for `kompoxops dev up`, demos and tests, with the same contract as the cloud drivers
// (idempotency keys, long operations, refusals) and injectable latency and faults.
//
// Layout under `<root>/<workspace>/<provider>/`:
//   disks/<app>/<volume>/<disk>/meta.json      record (records.ts), written atomically
//   disks/<app>/<volume>/<disk>/data/          the disk's content; its absolute path is the handle
//   snapshots/<app>/<volume>/<snap>/meta.json  record, incl. region and SHA-256
//   snapshots/<app>/<volume>/<snap>/archive-<id>.kpxa.gz   snapshot-archive.ts format
//   keys/disk/<digest>.json, keys/snapshot/<digest>.json   idempotency key → name
//   fenced/<node>.json, trash/
//
// Simulated time: a begin* call records `readyAt = now + latency`; the operation completes on
// the first poll or read at or after that moment (a cloud progresses on its own; here it
// progresses when anyone looks). Completing is idempotent, so a process killed mid-create, or
// two processes completing at once, still end with one complete disk.

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
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
import {
  assignedDiskInUse,
  attachedDiskInUse,
  checkName,
  checkUserTags,
  newestFirst,
  pollNumber as num,
  pollString as str,
  soleAssignedDisk,
} from '../common';
import { DriverError, invalidArgument, notFound } from '../errors';
import { keyDigest, keyName, requestFingerprint, validateIdempotencyKey } from '../idempotency';
import type { JsonObject, OperationHandle, OperationKind, PollResult } from '../long-operation';
import {
  TAG,
  type Tags,
  applyTagChange,
  assignedTagValue,
  isAssignedTag,
  tagsMatch,
  systemTags,
  tagsToWrite,
} from '../tags';
import { jsonText, readJsonFile, writeFileAtomic } from './atomic-file';
import { FaultInjector } from './fault-injection';
import { claimKey, claimRecord, creatingFields, settle, startDeleting } from './lifecycle';
import { RecordStore } from './record-store';
import {
  DATA_DIR,
  type DiskRecord,
  type SnapshotRecord,
  diskToDto,
  failureError,
  progressOf,
  snapshotToDto,
} from './records';
import { type LocalDriverOptions, readLocalSettings } from './settings';
import { extractArchive, verifyArchive, writeArchive } from './snapshot-archive';
import type { StreamOptions } from './stream-progress';
import type { LocalZones } from './zones';

export const LOCAL_DRIVER_NAME = 'local';
export const LOCAL_TOPOLOGY_KEY = 'topology.kubernetes.io/zone';

const SCOPE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export class LocalDriver implements ProviderDriver {
  readonly driverName = LOCAL_DRIVER_NAME;
  readonly capabilities: Capabilities = {
    forceDetach: true,
    fence: true,
    zoneRedundantDisks: true,
    incrementalSnapshots: false,
    crossRegionCopy: true,
    diskFromDisk: true,
    instanceState: true,
  };

  /** `<root>/<workspace>/<provider>`: everything this driver reads and writes. */
  readonly scopeDir: string;
  readonly zones: LocalZones;
  private readonly faults: FaultInjector;
  private readonly disks: RecordStore<DiskRecord>;
  private readonly snapshots: RecordStore<SnapshotRecord>;

  constructor(
    private readonly ctx: DriverContext,
    options: LocalDriverOptions = {},
  ) {
    for (const [what, v] of [
      ['workspace', ctx.workspace],
      ['provider', ctx.provider],
    ] as const) {
      if (!SCOPE_NAME.test(v))
        throw invalidArgument(`${what} name "${v}" cannot be used as a directory name`);
    }
    const settings = readLocalSettings(ctx, options);
    this.zones = settings.zones;
    this.scopeDir = join(settings.root, ctx.workspace, ctx.provider);
    this.faults = new FaultInjector(settings.faults, join(this.scopeDir, 'fault-draws'));
    const trash = join(this.scopeDir, 'trash');
    this.disks = new RecordStore(join(this.scopeDir, 'disks'), join(this.scopeDir, 'keys', 'disk'), trash);
    this.snapshots = new RecordStore(
      join(this.scopeDir, 'snapshots'),
      join(this.scopeDir, 'keys', 'snapshot'),
      trash,
    );
  }

  /** Fault and latency hook for calls that are not long operations. */
  private async enter(op: string): Promise<void> {
    this.faults.maybeFail(op);
    await this.faults.delay(op);
  }

  /** Archive and extract streams report to the caller and run at the injected disk speed. */
  private streamOptions(): StreamOptions {
    const { onProgress } = this.ctx;
    return { msPerMiB: this.faults.archiveMsPerMiB(), ...(onProgress ? { onProgress } : {}) };
  }

  private handle<K extends OperationKind>(kind: K, id: string, pollState: JsonObject): OperationHandle<K> {
    return { kind, provider: LOCAL_DRIVER_NAME, id, pollState, startedAt: new Date().toISOString() };
  }

  // -------------------------------------------------------------------------------------------
  // Zones

  async listRegions(): Promise<RegionInfo[]> {
    await this.enter('listRegions');
    return this.zones.regions.map((r) => ({ name: r.name, zones: r.zones.map((z) => ({ ...z })) }));
  }

  async resolveZone(zone: string): Promise<ZoneInfo> {
    await this.enter('resolveZone');
    return { ...this.zones.resolve(zone) };
  }

  async diskOffering(req: { region?: string; options?: DiskOptions }): Promise<DiskOffering> {
    await this.enter('diskOffering');
    const region = req.region === undefined ? this.zones.home : this.zones.region(req.region);
    return {
      region: region.name,
      zoneRedundant: zoneRedundantOption(req.options),
      zones: region.zones.map((z) => ({ ...z })),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Disks

  async beginCreateDisk(req: CreateDiskRequest): Promise<OperationHandle<'createDisk'>> {
    this.faults.maybeFail('createDisk');
    checkName('app', req.app);
    checkName('volume', req.volume);
    validateIdempotencyKey(req.idempotencyKey);
    if (!Number.isSafeInteger(req.sizeBytes) || req.sizeBytes <= 0) {
      throw invalidArgument(`disk size must be a positive whole number of bytes, got ${req.sizeBytes}`);
    }
    const zoneRedundant = zoneRedundantOption(req.options);
    const name = req.name ?? `d${keyName(req.idempotencyKey, 11)}`;
    checkName('disk name', name);
    const zone = this.zones.resolve(req.zone ?? this.zones.defaultZone().kom);
    const userTags = checkUserTags(req.tags);
    const digest = keyDigest(req.idempotencyKey);
    const source = req.source ?? { kind: 'empty' };
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

    const claim = await claimKey(this.disks, ref, digest, name, requestHash);
    const op = this.handle('createDisk', `disk:${req.app}/${req.volume}/${claim.name}`, {
      ...ref,
      name: claim.name,
    });
    if (claim.earlier !== undefined) return op;

    let resolvedSource: DiskRecord['source'];
    if (source.kind === 'provider') {
      throw new DriverError('Unsupported', 'the local provider cannot import provider resources');
    } else if (source.kind === 'snapshot') {
      const snap = await this.readySnapshot({ ...ref, name: source.name });
      if (snap.region !== zone.region) {
        throw invalidArgument(
          `snapshot ${source.name} is in region ${snap.region}, the disk's zone ${zone.kom} in ${zone.region}: copy the snapshot to ${zone.region} first`,
          { reason: 'region' },
        );
      }
      resolvedSource = {
        kind: 'snapshot',
        name: snap.name,
        handle: this.snapshots.dirOf(snap),
        archive: join(this.snapshots.dirOf(snap), snap.archiveFile!),
        sha256: snap.sha256!,
      };
    } else if (source.kind === 'disk') {
      const src = await this.settledDisk({ ...ref, name: source.name });
      if (src === undefined) throw notFound(`source disk ${source.name}`);
      if (src.state !== 'ready')
        throw new DriverError('Conflict', `source disk ${source.name} is ${src.state}`);
      if (src.region !== zone.region)
        throw invalidArgument(`source disk ${source.name} is in region ${src.region}`);
      resolvedSource = { kind: 'disk', name: src.name, handle: join(this.disks.dirOf(src), DATA_DIR) };
    }

    const record: DiskRecord = {
      ...ref,
      ...creatingFields(claim.name, digest, requestHash, this.faults.latencyMs('createDisk')),
      zone: zone.kom,
      region: zone.region,
      ...(zoneRedundant ? { zoneRedundant } : {}),
      sizeBytes: req.sizeBytes,
      options: { ...req.options },
      tags: tagsToWrite({
        ...userTags,
        ...systemTags(this.ctx, ref, TAG.diskName, claim.name, digest),
        [TAG.assigned]: assignedTagValue(req.assigned === true),
      }),
      ...(resolvedSource === undefined ? {} : { source: resolvedSource }),
      attachments: [],
    };
    await claimRecord(this.disks, record);
    this.faults.maybeFail('createDisk', 'after');
    return op;
  }

  private diskDto(rec: DiskRecord): Disk {
    return diskToDto(
      rec,
      this.disks.dirOf(rec),
      this.zones.region(rec.region).zones.map((z) => z.kom),
    );
  }

  /** Reads a disk record and completes any transition that is due; undefined once deleted. */
  private async settledDisk(ref: DiskRef): Promise<DiskRecord | undefined> {
    const rec = await this.disks.read(ref);
    return rec === undefined ? undefined : this.settleDisk(rec);
  }

  private settleDisk(rec: DiskRecord): Promise<DiskRecord | undefined> {
    return settle(this.disks, rec, (r) => this.materializeDisk(r));
  }

  /**
   * Builds the disk's data directory in a private staging directory and renames it into place,
   * so `data/` either does not exist or is complete. Safe to run again after a crash and to
   * race with another process doing the same.
   */
  private async materializeDisk(rec: DiskRecord): Promise<void> {
    const dir = this.disks.dirOf(rec);
    const data = join(dir, DATA_DIR);
    if (await exists(data)) return;
    const staging = join(dir, `.staging-${randomBytes(6).toString('hex')}`);
    await fs.mkdir(staging, { recursive: true });
    try {
      if (rec.source?.kind === 'snapshot') {
        await extractArchive(rec.source.archive!, staging, rec.source.sha256!, this.streamOptions());
      } else if (rec.source?.kind === 'disk') {
        await fs.cp(rec.source.handle, staging, { recursive: true, verbatimSymlinks: true, force: false });
      }
      await fs.rename(staging, data);
    } catch (err) {
      await fs.rm(staging, { recursive: true, force: true });
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await exists(data))) return; // another finisher won
      throw err;
    }
  }

  async getDisk(ref: DiskRef): Promise<Disk> {
    await this.enter('getDisk');
    const rec = await this.settledDisk(ref);
    if (rec === undefined) throw notFound(`disk ${ref.app}/${ref.volume}/${ref.name}`);
    return this.diskDto(rec);
  }

  async listDisks(filter: VolumeFilter): Promise<Disk[]> {
    await this.enter('listDisks');
    const out: Disk[] = [];
    for (const raw of await this.disks.list(filter.app, filter.volume)) {
      const rec = await this.settleDisk(raw);
      if (rec !== undefined && tagsMatch(rec.tags, filter.tags ?? {})) out.push(this.diskDto(rec));
    }
    return out.sort(newestFirst);
  }

  async beginDeleteDisk(ref: DiskRef): Promise<OperationHandle<'deleteDisk'>> {
    this.faults.maybeFail('deleteDisk');
    const op = this.handle('deleteDisk', `disk:${ref.app}/${ref.volume}/${ref.name}`, { ...ref });
    const rec = await this.settledDisk(ref);
    if (rec === undefined || rec.state === 'deleting') return op;
    if (isAssignedTag(rec.tags)) {
      throw assignedDiskInUse(ref);
    }
    if (rec.attachments.length > 0) {
      throw attachedDiskInUse(
        ref,
        rec.attachments.map((a) => a.instanceId),
      );
    }
    if (rec.state === 'creating')
      throw new DriverError('Transient', `disk ${ref.name} is still being created`);
    const readers = (await this.disks.list(ref.app, ref.volume)).filter(
      (d) => d.state === 'creating' && d.source?.kind === 'disk' && d.source.name === ref.name,
    );
    if (readers.length > 0) {
      throw new DriverError(
        'InUse',
        `disk ${ref.name} is being cloned into ${readers.map((d) => d.name).join(', ')}`,
        {
          details: { reason: 'source' },
        },
      );
    }
    await startDeleting(this.disks, ref, this.faults.latencyMs('deleteDisk'));
    this.faults.maybeFail('deleteDisk', 'after');
    return op;
  }

  /** Applies a metadata change to a disk that exists and is not being deleted. */
  private async changeDisk(ref: DiskRef, change: (rec: DiskRecord) => void): Promise<Disk> {
    const rec = await this.settledDisk(ref);
    const updated =
      rec === undefined || rec.state === 'deleting'
        ? undefined
        : await this.disks.mutate(ref, (r) => {
            change(r);
            r.updatedAt = new Date().toISOString();
          });
    if (updated === undefined) throw notFound(`disk ${ref.app}/${ref.volume}/${ref.name}`);
    return this.diskDto(updated);
  }

  async updateTags(resource: TaggedResource, change: TagChange): Promise<Tags> {
    await this.enter('updateTags');
    if (resource.kind === 'disk') {
      return (await this.changeDisk(resource.ref, (r) => (r.tags = applyTagChange(r.tags, change)))).tags;
    }
    const ref = resource.ref;
    const rec = await this.settledSnapshot(ref);
    const updated =
      rec === undefined || rec.state === 'deleting'
        ? undefined
        : await this.snapshots.mutate(ref, (r) => {
            r.tags = applyTagChange(r.tags, change);
            r.updatedAt = new Date().toISOString();
          });
    if (updated === undefined) throw notFound(`snapshot ${ref.app}/${ref.volume}/${ref.name}`);
    return { ...updated.tags };
  }

  async setDiskAssigned(ref: DiskRef, assigned: boolean): Promise<Disk> {
    await this.enter('setDiskAssigned');
    return this.changeDisk(ref, (r) => {
      r.tags[TAG.assigned] = assignedTagValue(assigned);
    });
  }

  async beginResizeDisk(ref: DiskRef, sizeBytes: number): Promise<OperationHandle<'resizeDisk'>> {
    this.faults.maybeFail('resizeDisk');
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) {
      throw invalidArgument(`disk size must be a positive whole number of bytes, got ${sizeBytes}`);
    }
    const current = await this.settledDisk(ref);
    if (current !== undefined && sizeBytes < current.sizeBytes) {
      throw invalidArgument(`disk ${ref.name} has ${current.sizeBytes} bytes; disks can only grow`);
    }
    // Only the recorded size changes: a directory has no size of its own.
    await this.changeDisk(ref, (r) => {
      r.sizeBytes = Math.max(r.sizeBytes, sizeBytes);
    });
    const doneAt = Date.now() + this.faults.latencyMs('resizeDisk');
    this.faults.maybeFail('resizeDisk', 'after');
    return this.handle('resizeDisk', `disk:${ref.app}/${ref.volume}/${ref.name}`, { ...ref, doneAt });
  }

  async listAttachments(ref: DiskRef): Promise<Attachment[]> {
    await this.enter('listAttachments');
    const rec = await this.settledDisk(ref);
    if (rec === undefined) throw notFound(`disk ${ref.app}/${ref.volume}/${ref.name}`);
    return rec.attachments.map((a) => ({ ...a }));
  }

  /** Local only: records that a (simulated) node has the disk attached, for failover tests. */
  async simulateAttach(ref: DiskRef, attachment: Omit<Attachment, 'state'>): Promise<void> {
    await this.changeDisk(ref, (r) => {
      r.attachments = r.attachments.filter((a) => a.instanceId !== attachment.instanceId);
      r.attachments.push({ ...attachment, state: 'attached' });
    });
  }

  async beginForceDetach(req: ForceDetachRequest): Promise<OperationHandle<'forceDetach'>> {
    this.faults.maybeFail('forceDetach');
    const { disk } = req;
    await this.changeDisk(disk, (r) => {
      r.attachments = r.attachments.filter(
        (a) => req.instanceId !== undefined && a.instanceId !== req.instanceId,
      );
    });
    const doneAt = Date.now() + this.faults.latencyMs('forceDetach');
    this.faults.maybeFail('forceDetach', 'after');
    return this.handle('forceDetach', `detach:${disk.app}/${disk.volume}/${disk.name}`, { ...disk, doneAt });
  }

  // -------------------------------------------------------------------------------------------
  // Snapshots

  private async readySnapshot(ref: SnapshotRef): Promise<SnapshotRecord> {
    const snap = await this.settledSnapshot(ref);
    if (snap === undefined) throw notFound(`snapshot ${ref.app}/${ref.volume}/${ref.name}`);
    if (snap.state !== 'ready')
      throw new DriverError('Conflict', `snapshot ${ref.name} is ${snap.state}, not ready`);
    return snap;
  }

  async beginCreateSnapshot(req: CreateSnapshotRequest): Promise<OperationHandle<'createSnapshot'>> {
    this.faults.maybeFail('createSnapshot');
    checkName('app', req.app);
    checkName('volume', req.volume);
    validateIdempotencyKey(req.idempotencyKey);
    const name = req.name ?? `s${keyName(req.idempotencyKey, 11)}`;
    checkName('snapshot name', name);
    const userTags = checkUserTags(req.tags);
    const digest = keyDigest(req.idempotencyKey);
    const ref = { app: req.app, volume: req.volume };
    const requestHash = requestFingerprint({
      ...ref,
      name,
      disk: req.disk,
      incremental: req.incremental === true,
      tags: userTags,
    });
    const claim = await claimKey(this.snapshots, ref, digest, name, requestHash);
    const op = this.handle('createSnapshot', `snapshot:${req.app}/${req.volume}/${claim.name}`, {
      ...ref,
      name: claim.name,
    });
    if (claim.earlier !== undefined) return op;

    const disk = await this.snapshotSourceDisk(req);
    const record: SnapshotRecord = {
      ...ref,
      ...creatingFields(claim.name, digest, requestHash, this.faults.latencyMs('createSnapshot')),
      region: disk.region,
      incremental: false,
      sourceDisk: { name: disk.name, handle: join(this.disks.dirOf(disk), DATA_DIR) },
      tags: tagsToWrite({ ...userTags, ...systemTags(this.ctx, ref, TAG.snapshotName, claim.name, digest) }),
    };
    await claimRecord(this.snapshots, record);
    // The point in time is taken now, as clouds fix it when the create call returns.
    await this.captureArchive(record);
    this.faults.maybeFail('createSnapshot', 'after');
    return op;
  }

  private async snapshotSourceDisk(req: CreateSnapshotRequest): Promise<DiskRecord> {
    if (req.disk !== undefined) {
      const disk = await this.settledDisk({ app: req.app, volume: req.volume, name: req.disk });
      if (disk === undefined) throw notFound(`disk ${req.app}/${req.volume}/${req.disk}`);
      if (disk.state !== 'ready')
        throw new DriverError('Conflict', `disk ${req.disk} is ${disk.state}, not ready`);
      return disk;
    }
    const assigned = (await this.disks.list(req.app, req.volume)).filter(
      (d) => d.state === 'ready' && isAssignedTag(d.tags),
    );
    return soleAssignedDisk(req, assigned);
  }

  /** Writes the archive of the source disk into the snapshot directory and records its checksum. */
  private async captureArchive(rec: SnapshotRecord): Promise<void> {
    const dir = this.snapshots.dirOf(rec);
    // Unique file per attempt: two racing captures never overwrite the file the other recorded.
    const file = `archive-${randomBytes(6).toString('hex')}.kpxa.gz`;
    const summary = await writeArchive(rec.sourceDisk.handle, join(dir, file), this.streamOptions());
    await this.snapshots.mutate(rec, (r) => {
      if (r.archiveFile !== undefined) return;
      r.archiveFile = file;
      r.sha256 = summary.sha256;
      r.dataBytes = summary.dataBytes;
      r.archiveBytes = summary.archiveBytes;
      r.updatedAt = new Date().toISOString();
    });
  }

  /** Copies the source archive, checks it and records it in the copy's record. */
  private async copyArchive(rec: SnapshotRecord): Promise<void> {
    const from = rec.copiedFrom!;
    const file = `archive-${randomBytes(6).toString('hex')}.kpxa.gz`;
    const target = join(this.snapshots.dirOf(rec), file);
    await fs.copyFile(from.archive, target, fs.constants.COPYFILE_EXCL);
    await verifyArchive(target, rec.sha256!, this.streamOptions());
    const st = await fs.stat(target);
    await this.snapshots.mutate(rec, (r) => {
      if (r.archiveFile !== undefined) return;
      r.archiveFile = file;
      r.archiveBytes = st.size;
    });
  }

  private async settledSnapshot(ref: SnapshotRef): Promise<SnapshotRecord | undefined> {
    const rec = await this.snapshots.read(ref);
    return rec === undefined ? undefined : this.settleSnapshot(rec);
  }

  private settleSnapshot(rec: SnapshotRecord): Promise<SnapshotRecord | undefined> {
    // Data missing when due: the begin call died before writing it (or this is a copy).
    const complete = async (r: SnapshotRecord): Promise<void> => {
      if (r.archiveFile === undefined) await (r.copiedFrom ? this.copyArchive(r) : this.captureArchive(r));
    };
    return settle(this.snapshots, rec, complete, (r) => r.archiveFile !== undefined);
  }

  async getSnapshot(ref: SnapshotRef): Promise<Snapshot> {
    await this.enter('getSnapshot');
    const rec = await this.settledSnapshot(ref);
    if (rec === undefined) throw notFound(`snapshot ${ref.app}/${ref.volume}/${ref.name}`);
    return snapshotToDto(rec, this.snapshots.dirOf(rec));
  }

  async listSnapshots(filter: VolumeFilter): Promise<Snapshot[]> {
    await this.enter('listSnapshots');
    const out: Snapshot[] = [];
    for (const raw of await this.snapshots.list(filter.app, filter.volume)) {
      const rec = await this.settleSnapshot(raw);
      if (rec !== undefined && tagsMatch(rec.tags, filter.tags ?? {})) {
        out.push(snapshotToDto(rec, this.snapshots.dirOf(rec)));
      }
    }
    return out.sort(newestFirst);
  }

  async beginDeleteSnapshot(ref: SnapshotRef): Promise<OperationHandle<'deleteSnapshot'>> {
    this.faults.maybeFail('deleteSnapshot');
    const op = this.handle('deleteSnapshot', `snapshot:${ref.app}/${ref.volume}/${ref.name}`, { ...ref });
    const rec = await this.settledSnapshot(ref);
    if (rec === undefined || rec.state === 'deleting') return op;
    if (rec.state === 'creating')
      throw new DriverError('Transient', `snapshot ${ref.name} is still being created`);
    const diskReaders = (await this.disks.list(ref.app, ref.volume))
      .filter((d) => d.state === 'creating' && d.source?.kind === 'snapshot' && d.source.name === ref.name)
      .map((d) => `disk ${d.name}`);
    const copyReaders = (await this.snapshots.list(ref.app, ref.volume))
      .filter((s) => s.state === 'creating' && s.copiedFrom?.name === ref.name)
      .map((s) => `copy ${s.name}`);
    const readers = [...diskReaders, ...copyReaders];
    if (readers.length > 0) {
      throw new DriverError('InUse', `snapshot ${ref.name} is being read by ${readers.join(', ')}`, {
        details: { reason: 'source' },
      });
    }
    await startDeleting(this.snapshots, ref, this.faults.latencyMs('deleteSnapshot'));
    this.faults.maybeFail('deleteSnapshot', 'after');
    return op;
  }

  async beginCopySnapshot(req: CopySnapshotRequest): Promise<OperationHandle<'copySnapshot'>> {
    this.faults.maybeFail('copySnapshot');
    validateIdempotencyKey(req.idempotencyKey);
    const target = this.zones.region(req.targetRegion);
    const name = req.targetName ?? `${req.snapshot.name}-${target.name}`;
    checkName('snapshot name', name);
    const digest = keyDigest(req.idempotencyKey);
    const ref = { app: req.snapshot.app, volume: req.snapshot.volume };
    const requestHash = requestFingerprint({ source: req.snapshot, region: target.name, name });
    const claim = await claimKey(this.snapshots, ref, digest, name, requestHash);
    const op = this.handle('copySnapshot', `snapshot:${ref.app}/${ref.volume}/${claim.name}`, {
      ...ref,
      name: claim.name,
    });
    if (claim.earlier !== undefined) return op;

    const src = await this.readySnapshot(req.snapshot);
    if (src.region === target.name)
      throw invalidArgument(`snapshot ${src.name} is already in region ${target.name}`);
    const record: SnapshotRecord = {
      ...ref,
      ...creatingFields(claim.name, digest, requestHash, this.faults.latencyMs('copySnapshot')),
      region: target.name,
      incremental: false,
      sourceDisk: { ...src.sourceDisk },
      copiedFrom: {
        name: src.name,
        region: src.region,
        handle: this.snapshots.dirOf(src),
        archive: join(this.snapshots.dirOf(src), src.archiveFile!),
      },
      sha256: src.sha256!,
      dataBytes: src.dataBytes ?? 0,
      tags: tagsToWrite({ ...src.tags, ...systemTags(this.ctx, ref, TAG.snapshotName, claim.name, digest) }),
    };
    await claimRecord(this.snapshots, record);
    this.faults.maybeFail('copySnapshot', 'after');
    return op;
  }

  // -------------------------------------------------------------------------------------------
  // PV source and fencing

  pvSource(disk: Disk): PvSource {
    // A zone-redundant disk attaches in every zone of its region.
    const zones = disk.zoneRedundant ? disk.zones : [disk.zone];
    return {
      volumeHandle: disk.handle,
      capacityBytes: disk.size,
      accessModes: ['ReadWriteOnce'],
      volumeMode: 'Filesystem',
      hostPath: { path: disk.handle, type: 'Directory' },
      topology: { key: LOCAL_TOPOLOGY_KEY, values: zones.map((z) => this.zones.resolve(z).topology) },
    };
  }

  async beginFenceNode(req: FenceRequest): Promise<OperationHandle<'fenceNode'>> {
    this.faults.maybeFail('fenceNode');
    if (!SCOPE_NAME.test(req.nodeName)) throw invalidArgument(`node name "${req.nodeName}" is not valid`);
    const doneAt = Date.now() + this.faults.latencyMs('fenceNode');
    // A node with a machine behind it (a real dev node) is really stopped, as a cloud stops the
    // VM; a kwok node has none and is only recorded. Powering off twice is harmless.
    const poweredOff = (await this.ctx.powerOffNode?.(req.nodeName)) ?? false;
    await writeFileAtomic(
      join(this.scopeDir, 'fenced', `${req.nodeName}.json`),
      jsonText({
        nodeName: req.nodeName,
        providerId: req.providerId ?? null,
        poweredOff,
        fencedAt: new Date().toISOString(),
      }),
    );
    this.faults.maybeFail('fenceNode', 'after');
    return this.handle('fenceNode', `fence:${req.nodeName}`, { nodeName: req.nodeName, doneAt });
  }

  /** Local only: whether a node was fenced (what a stopped VM would look like). */
  async isFenced(nodeName: string): Promise<boolean> {
    return (await readJsonFile(join(this.scopeDir, 'fenced', `${nodeName}.json`))) !== undefined;
  }

  /** The local cloud's machines run until it fences them; a fenced node's machine is stopped. */
  async getInstanceState(ref: InstanceRef): Promise<InstanceState> {
    await this.enter('getInstanceState');
    return (await this.isFenced(ref.nodeName)) ? 'stopped' : 'running';
  }

  // -------------------------------------------------------------------------------------------
  // Polling

  async poll<K extends OperationKind>(op: OperationHandle<K>): Promise<PollResult<K>> {
    await this.enter('poll');
    if (op.provider !== LOCAL_DRIVER_NAME)
      throw invalidArgument(`operation of provider ${op.provider} given to local`);
    const s = op.pollState;
    const pending = (progress?: number): PollResult<K> => ({ done: false, op, progress });
    const done = (result: unknown): PollResult<K> => ({ done: true, result }) as PollResult<K>;
    const ref = (): DiskRef => ({ app: str(s, 'app'), volume: str(s, 'volume'), name: str(s, 'name') });
    const kind: OperationKind = op.kind;
    switch (kind) {
      case 'createDisk': {
        const rec = await this.settledDisk(ref());
        if (rec === undefined || rec.state === 'deleting') throw notFound(`disk ${op.id}`);
        if (rec.state === 'failed') throw failureError('disk', rec);
        return rec.state === 'ready' ? done(this.diskDto(rec)) : pending(progressOf(rec, Date.now()));
      }
      case 'createSnapshot':
      case 'copySnapshot': {
        const rec = await this.settledSnapshot(ref());
        if (rec === undefined || rec.state === 'deleting') throw notFound(`snapshot ${op.id}`);
        if (rec.state === 'failed') throw failureError('snapshot', rec);
        return rec.state === 'ready'
          ? done(snapshotToDto(rec, this.snapshots.dirOf(rec)))
          : pending(progressOf(rec, Date.now()));
      }
      // Done once the record is gone (or was replaced by a new resource of the same name).
      case 'deleteDisk':
        return (await this.settledDisk(ref()))?.state === 'deleting' ? pending() : done(null);
      case 'deleteSnapshot':
        return (await this.settledSnapshot(ref()))?.state === 'deleting' ? pending() : done(null);
      case 'resizeDisk': {
        if (Date.now() < num(s, 'doneAt')) return pending();
        const rec = await this.settledDisk(ref());
        if (rec === undefined) throw notFound(`disk ${op.id}`);
        return done(this.diskDto(rec));
      }
      case 'forceDetach':
      case 'fenceNode':
        return Date.now() >= num(s, 'doneAt') ? done(null) : pending();
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}

export function createLocalDriver(ctx: DriverContext, options?: LocalDriverOptions): LocalDriver {
  return new LocalDriver(ctx, options);
}

/**
 * `options.zoneRedundant`: a disk every zone of its region can attach (as Azure ZRS or a GCP
 * regional disk). KOM options are strings, so "true" counts; anything else but false is refused.
 */
function zoneRedundantOption(options: DiskOptions | undefined): boolean {
  const value = options?.zoneRedundant;
  if (value === undefined || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw invalidArgument(`disk option zoneRedundant must be true or false, got ${JSON.stringify(value)}`);
}
