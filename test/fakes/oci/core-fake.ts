// A fake of the OCI Core Services API (version 20160918) as oci-core 2.139.1 speaks it, on the
// shared cloud model: block volumes, volume backups and their copy to another region, volume
// attachments (list, detach) and instance power actions. It is a fake, not an emulator: only
// what the oke driver calls, and every answer follows the API reference's shapes (camelCase
// JSON, lifecycle states, `opc-request-id` on every reply, `opc-next-page` paging).
//
// One loopback server serves every region: the driver's endpoint setting carries `{region}`,
// so paths read `/<region>/20160918/...`. Requests must be signed (an `Authorization: Signature
// version="1",keyId=...,algorithm="rsa-sha256",headers=...,signature=...` header; its form is
// checked, not the signature). `opc-retry-token` makes a create return what the first request
// with that token made. Model faults become OCI's answers: 429 TooManyRequests with
// `retry-after`, 500 InternalServerError, 404 NotAuthorizedOrNotFound for a denied create; a
// fault "after" runs the effect and then answers with the error (the reply is lost).
import { randomUUID } from 'node:crypto';
import type { CloudModel, LoggedRequest, ModelDisk, ModelMachine, ModelSnapshot } from '../cloud-model';
import { type FakeReply, type FakeRequest, type RunningFake, startHttpFake } from '../http-fake';

const API = '20160918';
const AUTH =
  /^Signature version="1",keyId="[^"/]+\/[^"/]+\/[^"]+",algorithm="rsa-sha256",headers="([^"]+)",signature="[A-Za-z0-9+/=]+"$/;
const PAGE = 50;
const REGION_KEYS: Record<string, string> = { 'us-phoenix-1': 'phx', 'us-ashburn-1': 'iad' };

interface Meta {
  compartmentId: string;
  displayName: string;
}

interface VolumeAttachment {
  id: string;
  diskId: string;
  machineId: string;
  state: 'ATTACHED' | 'DETACHING';
}

export interface OciCoreFake extends RunningFake {
  /** `http://127.0.0.1:PORT/{region}`: the value of the driver's endpoint setting. */
  endpointTemplate: string;
  /** Attaches a volume to a new running instance in its AD (what attachVolume ends in); the instance OCID. */
  attach(volumeId: string): string;
  /** Requests whose effect happened but whose reply was a fault (lost replies). */
  lostReplies: readonly LoggedRequest[];
  /** A running instance in an AD (API name); its OCID. */
  addInstance(ad: string, name: string): string;
}

type Json = Record<string, unknown>;

export async function startOciCoreFake(model: CloudModel): Promise<OciCoreFake> {
  const meta = new Map<string, Meta>();
  const attachments = new Map<string, VolumeAttachment>();
  const stopping = new Set<string>();
  const instanceIds = new Map<string, string>(); // instance OCID → model machine id

  // The region segment of OCIDs: the region's short key (phx, iad), else what its AD names carry.
  const keyOf = (region: string): string => {
    const known = REGION_KEYS[region];
    if (known !== undefined) return known;
    const ad = model.zonesOf(region)?.[0] ?? '';
    return (ad.includes(':') ? ad.slice(ad.indexOf(':') + 1) : ad).replace(/-AD-\d+$/, '').toLowerCase();
  };
  const ocid = (type: string, region: string): string => model.newId(`ocid1.${type}.oc1.${keyOf(region)}.`);
  const now = (): string => new Date().toISOString();

  const reply = (status: number, body?: unknown, headers: Record<string, string> = {}): FakeReply => ({
    status,
    headers: { 'opc-request-id': randomUUID().replaceAll('-', '').toUpperCase(), ...headers },
    ...(body === undefined ? {} : { body }),
  });
  const error = (
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
  ): FakeReply => reply(status, { code, message }, headers);
  const notFound = (): FakeReply =>
    error(404, 'NotAuthorizedOrNotFound', 'Authorization failed or requested resource not found.');
  const faultReply = (fault: 'throttle' | 'transient' | 'denied'): FakeReply =>
    fault === 'throttle'
      ? error(429, 'TooManyRequests', 'Too many requests for the user.', { 'retry-after': '1' })
      : fault === 'denied'
        ? notFound()
        : error(500, 'InternalServerError', 'Internal error occurred.');
  const paged = (items: unknown[], req: FakeRequest): FakeReply => {
    const start = Number(req.query.get('page') ?? '0');
    const limit = Number(req.query.get('limit') ?? PAGE);
    const page = items.slice(start, start + limit);
    return reply(200, page, start + limit < items.length ? { 'opc-next-page': String(start + limit) } : {});
  };

  const volumeJson = (d: ModelDisk): Json => {
    const m = meta.get(d.id)!;
    const sourceId = d.sourceSnapshotId ?? d.sourceDiskId;
    return {
      id: d.id,
      compartmentId: m.compartmentId,
      availabilityDomain: d.zones[0],
      displayName: m.displayName,
      sizeInGBs: d.sizeGiB,
      sizeInMBs: d.sizeGiB * 1024,
      vpusPerGB: Number(d.sku),
      lifecycleState:
        d.state === 'creating' ? 'PROVISIONING' : d.state === 'ready' ? 'AVAILABLE' : 'TERMINATING',
      timeCreated: d.createdAt,
      freeformTags: d.tags,
      definedTags: {},
      isHydrated: d.state === 'ready',
      ...(sourceId === undefined
        ? {}
        : { sourceDetails: { type: d.sourceSnapshotId ? 'volumeBackup' : 'volume', id: sourceId } }),
    };
  };
  const backupJson = (s: ModelSnapshot): Json => {
    const m = meta.get(s.id)!;
    return {
      id: s.id,
      compartmentId: m.compartmentId,
      displayName: m.displayName,
      volumeId: s.sourceDiskId,
      sizeInGBs: s.sizeGiB,
      uniqueSizeInGBs: s.sizeGiB,
      type: s.incremental ? 'INCREMENTAL' : 'FULL',
      sourceType: 'MANUAL',
      lifecycleState: s.state === 'creating' ? 'CREATING' : s.state === 'ready' ? 'AVAILABLE' : 'TERMINATING',
      timeCreated: s.createdAt,
      freeformTags: s.tags,
      definedTags: {},
      ...(s.copiedFromId === undefined ? {} : { sourceVolumeBackupId: s.copiedFromId }),
    };
  };
  const attachmentJson = (a: VolumeAttachment): Json => {
    const d = model.disks.get(a.diskId)!;
    return {
      id: a.id,
      attachmentType: 'paravirtualized',
      availabilityDomain: d.zones[0],
      compartmentId: meta.get(d.id)!.compartmentId,
      instanceId: a.machineId,
      volumeId: a.diskId,
      lifecycleState: a.state,
      timeCreated: d.createdAt,
      displayName: `attachment-${a.id}`,
    };
  };
  const machineOf = (id: string): ModelMachine | undefined => model.machines.get(instanceIds.get(id) ?? '');
  const instanceJson = (id: string, m: ModelMachine): Json => ({
    id,
    availabilityDomain: m.zone,
    compartmentId: 'ocid1.compartment.oc1..fake',
    displayName: m.name,
    region: model.regionOfZone(m.zone),
    shape: 'VM.Standard.E4.Flex',
    lifecycleState:
      m.state === 'running' ? (stopping.has(id) ? 'STOPPING' : 'RUNNING') : m.state.toUpperCase(),
    timeCreated: now(),
  });

  const lost: LoggedRequest[] = [];
  /** Runs `effect` under the call's fault: refused before, or done with the reply lost after. */
  const withFault = (req: FakeRequest, call: string, effect: () => FakeReply): FakeReply => {
    const fault = model.faultFor(call, req.method !== 'GET');
    if (fault?.timing === 'before') return faultReply(fault.fault);
    const out = effect();
    if (fault === undefined) return out;
    if (out.status < 300) lost.push(req.logged);
    return faultReply(fault.fault);
  };
  const tokens = new Map<string, FakeReply>();
  /**
   * A create under `opc-retry-token`: a token whose create succeeded (even if its reply was lost)
   * gets that same answer again; a refused create leaves the token unused.
   */
  const once = (req: FakeRequest, call: string, region: string, effect: () => FakeReply): FakeReply => {
    const header = req.headers['opc-retry-token'];
    const token = typeof header === 'string' ? `${call}/${region}/${header}` : undefined;
    return withFault(req, call, () => {
      const earlier = token === undefined ? undefined : tokens.get(token);
      if (earlier !== undefined) return earlier;
      const out = effect();
      if (token !== undefined && out.status < 300) tokens.set(token, out);
      return out;
    });
  };

  const handler = (req: FakeRequest): FakeReply => {
    const retryToken = req.headers['opc-retry-token'];
    if (typeof retryToken === 'string') req.logged.token = retryToken;
    const auth = req.headers.authorization;
    const signed = typeof auth === 'string' ? AUTH.exec(auth) : null;
    const signedHeaders = signed?.[1]?.toLowerCase().split(' ') ?? [];
    const needed = ['(request-target)', 'host', req.headers['x-date'] ? 'x-date' : 'date'];
    if (req.method === 'POST' || req.method === 'PUT')
      needed.push('content-length', 'content-type', 'x-content-sha256');
    if (signed === null || needed.some((h) => !signedHeaders.includes(h))) {
      return error(
        401,
        'NotAuthenticated',
        'The required information to complete authentication was not provided or was incorrect.',
      );
    }
    const m = /^\/([a-z0-9-]+)\/(\d+)\/([A-Za-z]+)(?:\/([^/]+))?(?:\/actions\/([a-z]+))?$/.exec(req.path);
    if (m === null || m[2] !== API || model.zonesOf(m[1]!) === undefined) return notFound();
    const [, region, , collection, id, action] = m as unknown as [
      string,
      string,
      string,
      string,
      string?,
      string?,
    ];
    const body = (req.json ?? {}) as Json;
    model.settle();

    switch (`${req.method} ${collection}${id === undefined ? '' : '/id'}${action ? `/${action}` : ''}`) {
      case 'POST volumes':
        return once(req, 'CreateVolume', region, () => {
          const ad = String(body.availabilityDomain ?? '');
          if (model.regionOfZone(ad) !== region)
            return error(400, 'InvalidParameter', `Invalid availabilityDomain ${ad}`);
          const src = body.sourceDetails as { type?: string; id?: string } | undefined;
          const fromBackup = src?.type === 'volumeBackup' ? model.snapshot(src.id ?? '') : undefined;
          const fromVolume = src?.type === 'volume' ? model.disk(src.id ?? '') : undefined;
          if (src !== undefined && (fromBackup ?? fromVolume)?.region !== region) return notFound();
          const disk: ModelDisk = {
            id: ocid('volume', region),
            name: String(body.displayName ?? ''),
            region,
            zones: [ad],
            sizeGiB: Number(body.sizeInGBs ?? 50),
            sku: String(body.vpusPerGB ?? 10),
            tags: { ...((body.freeformTags as Record<string, string>) ?? {}) },
            state: 'creating',
            createdAt: now(),
            attachedTo: [],
            ...(fromBackup ? { sourceSnapshotId: fromBackup.id } : {}),
            ...(fromVolume ? { sourceDiskId: fromVolume.id } : {}),
          };
          model.disks.set(disk.id, disk);
          meta.set(disk.id, { compartmentId: String(body.compartmentId), displayName: disk.name });
          model.startOperation('createDisk', { id: disk.id, region, zone: ad }, () => (disk.state = 'ready'));
          return reply(200, volumeJson(disk), { etag: disk.id });
        });
      case 'GET volumes': {
        const ad = req.query.get('availabilityDomain');
        const items = [...model.disks.values()].filter(
          (d) =>
            d.region === region &&
            meta.get(d.id)?.compartmentId === req.query.get('compartmentId') &&
            (ad === null || d.zones[0] === ad),
        );
        return withFault(req, 'ListVolumes', () => paged(items.map(volumeJson), req));
      }
      case 'GET volumes/id': {
        const d = model.disk(id!);
        return d?.region === region
          ? withFault(req, 'GetVolume', () => reply(200, volumeJson(d)))
          : notFound();
      }
      case 'PUT volumes/id': {
        const d = model.disk(id!);
        if (d?.region !== region || d.state === 'deleting') return notFound();
        return withFault(req, 'UpdateVolume', () => {
          if (body.freeformTags !== undefined) d.tags = { ...(body.freeformTags as Record<string, string>) };
          const size = body.sizeInGBs === undefined ? undefined : Number(body.sizeInGBs);
          if (size !== undefined && size < d.sizeGiB)
            return error(400, 'InvalidParameter', 'Volumes can only grow.');
          if (size !== undefined && size > d.sizeGiB) {
            model.startOperation('resizeDisk', { id: d.id, region }, () => (d.sizeGiB = size));
          }
          return reply(200, volumeJson(d));
        });
      }
      case 'DELETE volumes/id': {
        const d = model.disk(id!);
        if (d?.region !== region) return notFound();
        return withFault(req, 'DeleteVolume', () => {
          if (d.attachedTo.length > 0) return error(409, 'Conflict', 'The volume is attached.');
          if (d.state !== 'deleting') {
            d.state = 'deleting';
            model.startOperation('deleteDisk', { id: d.id, region }, () => model.disks.delete(d.id));
          }
          return reply(204);
        });
      }
      case 'POST volumeBackups':
        return once(req, 'CreateVolumeBackup', region, () => {
          const d = model.disk(String(body.volumeId ?? ''));
          if (d?.region !== region) return notFound();
          if (d.state !== 'ready') return error(409, 'IncorrectState', 'The volume is not available.');
          const snap: ModelSnapshot = {
            id: ocid('volumebackup', region),
            name: String(body.displayName ?? ''),
            region,
            sourceDiskId: d.id,
            sizeGiB: d.sizeGiB,
            // Given tags replace the volume's, which a backup otherwise inherits.
            tags: { ...((body.freeformTags as Record<string, string>) ?? d.tags) },
            state: 'creating',
            incremental: body.type !== 'FULL',
            createdAt: now(),
          };
          model.snapshots.set(snap.id, snap);
          meta.set(snap.id, { compartmentId: meta.get(d.id)!.compartmentId, displayName: snap.name });
          model.startOperation('createSnapshot', { id: snap.id, region }, () => (snap.state = 'ready'));
          return reply(200, backupJson(snap), { etag: snap.id });
        });
      case 'GET volumeBackups': {
        const q = req.query;
        const items = [...model.snapshots.values()].filter(
          (s) =>
            s.region === region &&
            meta.get(s.id)?.compartmentId === q.get('compartmentId') &&
            (q.get('sourceVolumeBackupId') === null || s.copiedFromId === q.get('sourceVolumeBackupId')) &&
            (q.get('displayName') === null || meta.get(s.id)?.displayName === q.get('displayName')),
        );
        return withFault(req, 'ListVolumeBackups', () => paged(items.map(backupJson), req));
      }
      case 'GET volumeBackups/id': {
        const s = model.snapshot(id!);
        return s?.region === region
          ? withFault(req, 'GetVolumeBackup', () => reply(200, backupJson(s)))
          : notFound();
      }
      case 'PUT volumeBackups/id': {
        const s = model.snapshot(id!);
        if (s?.region !== region || s.state === 'deleting') return notFound();
        return withFault(req, 'UpdateVolumeBackup', () => {
          if (body.freeformTags !== undefined) s.tags = { ...(body.freeformTags as Record<string, string>) };
          return reply(200, backupJson(s));
        });
      }
      case 'DELETE volumeBackups/id': {
        const s = model.snapshot(id!);
        if (s?.region !== region) return notFound();
        return withFault(req, 'DeleteVolumeBackup', () => {
          if (s.state !== 'deleting') {
            s.state = 'deleting';
            model.startOperation('deleteSnapshot', { id: s.id, region }, () => model.snapshots.delete(s.id));
          }
          return reply(204);
        });
      }
      case 'POST volumeBackups/id/copy':
        return once(req, 'CopyVolumeBackup', region, () => {
          const src = model.snapshot(id!);
          const target = String(body.destinationRegion ?? '');
          if (src?.region !== region) return notFound();
          if (model.zonesOf(target) === undefined || target === region)
            return error(400, 'InvalidParameter', `Invalid destinationRegion ${target}`);
          if (src.state !== 'ready')
            return error(409, 'IncorrectState', 'The volume backup is not available.');
          const copy: ModelSnapshot = {
            id: ocid('volumebackup', target),
            name: String(body.displayName ?? meta.get(src.id)!.displayName),
            region: target,
            sourceDiskId: src.sourceDiskId,
            sizeGiB: src.sizeGiB,
            tags: { ...src.tags },
            state: 'creating',
            incremental: src.incremental,
            createdAt: now(),
            copiedFromId: src.id,
          };
          model.snapshots.set(copy.id, copy);
          meta.set(copy.id, { compartmentId: meta.get(src.id)!.compartmentId, displayName: copy.name });
          const op = model.startOperation(
            'copySnapshot',
            { id: copy.id, region: target },
            () => (copy.state = 'ready'),
          );
          return reply(200, backupJson(copy), {
            etag: copy.id,
            'opc-work-request-id': `ocid1.coreservicesworkrequest.oc1.${keyOf(region)}.${op.id}`,
          });
        });
      case 'GET volumeAttachments': {
        const volumeId = req.query.get('volumeId');
        const items = [...attachments.values()].filter(
          (a) => model.disks.get(a.diskId)?.region === region && (volumeId === null || a.diskId === volumeId),
        );
        return withFault(req, 'ListVolumeAttachments', () => paged(items.map(attachmentJson), req));
      }
      case 'DELETE volumeAttachments/id': {
        const a = attachments.get(id!);
        if (a === undefined) return notFound();
        return withFault(req, 'DetachVolume', () => {
          if (a.state === 'DETACHING')
            return error(409, 'Conflict', 'The volume attachment is already detaching.');
          a.state = 'DETACHING';
          const op = model.startOperation('detach', { id: a.diskId, region }, () => {
            attachments.delete(a.id);
            const d = model.disks.get(a.diskId);
            if (d) d.attachedTo = d.attachedTo.filter((x) => x !== a.machineId);
          });
          return reply(202, undefined, {
            'opc-work-request-id': `ocid1.coreservicesworkrequest.oc1.${keyOf(region)}.${op.id}`,
          });
        });
      }
      case 'GET instances/id': {
        const machine = machineOf(id!);
        return machine === undefined
          ? notFound()
          : withFault(req, 'GetInstance', () => reply(200, instanceJson(id!, machine)));
      }
      case 'POST instances/id': {
        const machine = machineOf(id!);
        if (machine === undefined) return notFound();
        if (req.query.get('action') !== 'STOP') return error(400, 'InvalidParameter', 'Only STOP is faked.');
        return withFault(req, 'InstanceAction', () => {
          if (machine.state === 'terminated')
            return error(409, 'IncorrectState', 'The instance is terminated.');
          if (machine.state === 'running' && !stopping.has(id!)) {
            stopping.add(id!);
            model.startOperation('stopInstance', { id: id!, region }, () => {
              machine.state = 'stopped';
              stopping.delete(id!);
            });
          }
          return reply(200, instanceJson(id!, machine));
        });
      }
      default:
        return notFound();
    }
  };

  const server = await startHttpFake(model, handler);
  const addInstance = (ad: string, name: string): string => {
    const region = model.regionOfZone(ad)!;
    const machine = model.addMachine(name, ad);
    const id = `ocid1.instance.oc1.${keyOf(region)}.${machine.id}`;
    instanceIds.set(id, machine.id);
    return id;
  };
  return {
    ...server,
    endpointTemplate: `${server.endpoint}/{region}`,
    lostReplies: lost,
    addInstance,
    attach(volumeId) {
      const d = model.disk(volumeId);
      if (d === undefined) throw new Error(`no volume ${volumeId}`);
      const instanceId = addInstance(d.zones[0]!, `node-${model.machines.size + 1}`);
      const a: VolumeAttachment = {
        id: model.newId(`ocid1.volumeattachment.oc1.${keyOf(d.region)}.`),
        diskId: d.id,
        machineId: instanceId,
        state: 'ATTACHED',
      };
      attachments.set(a.id, a);
      d.attachedTo.push(instanceId);
      return instanceId;
    },
  };
}
