// A FAKE of the Google Compute Engine v1 REST API (https://compute.googleapis.com/compute/v1/),
// as @google-cloud/compute 7.x speaks it in REST fallback mode, on the shared cloud model
// (../cloud-model.ts). Only what the gke driver calls: regions.get; zonal and regional disks
// (insert with requestId, get, delete, resize, setLabels, createSnapshot, aggregatedList with
// label filters); global snapshots (list with label filters, get, delete, setLabels); zone,
// region and global operations (get, and wait, which holds the reply until the operation is
// done or `waitHoldMs` passed, as GCE holds it up to about 2 minutes); instances get, detachDisk
// and stop. It is not Compute Engine: no quotas, no disk types beyond their names, no
// multi-writer disks, no snapshot storage locations.
//
// Requests must carry a bearer token; with `jwtPublicKey` it must be a self-signed JWT (RS256)
// of the service account key the test wrote, which is what Application Default Credentials send
// for a key file. Faults from the model become Compute Engine's error replies: throttling is
// 429 rateLimitExceeded with Retry-After, transient faults 503 backendError, denial 403
// forbidden; a fault `after` the effect does the work and loses the reply. A requestId seen
// before gets the first operation back (`model.once`), and is logged as the request's token.
import { createHash, createVerify } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  CloudModel,
  LongOperationKind,
  ModelDisk,
  ModelOperation,
  ModelSnapshot,
  Tags,
} from '../cloud-model';
import { type FakeReply, type FakeRequest, type RunningFake, startHttpFake } from '../http-fake';

const LINK = 'https://www.googleapis.com/compute/v1/';
const NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

export interface ComputeFakeOptions {
  project: string;
  /** PEM public key of the service account key the test gave ADC; any bearer token when absent. */
  jwtPublicKey?: string;
  /** Longest time operations.wait holds its reply (default 2000 ms). */
  waitHoldMs?: number;
}

export interface ComputeFake extends RunningFake {
  model: CloudModel;
  /** The endpoint in gcloud's override spelling, for CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE. */
  computeEndpoint: string;
  /** The model disk of a Compute Engine disk name. */
  diskNamed(name: string): ModelDisk | undefined;
}

type Reply = FakeReply;

function error(status: number, reason: string, message: string, headers?: Record<string, string>): Reply {
  return {
    status,
    ...(headers ? { headers } : {}),
    body: { error: { code: status, message, errors: [{ message, domain: 'global', reason }] } },
  };
}

const notFound = (what: string): Reply => error(404, 'notFound', `The resource '${what}' was not found`);

/** A stable numeric id, as Compute Engine gives every resource. */
function numericId(id: string): string {
  return BigInt('0x' + createHash('sha256').update(id).digest('hex').slice(0, 15)).toString();
}

function fingerprint(labels: Tags): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('base64').slice(0, 12);
}

/** `(labels.k = "v") AND …` as the driver (and gcloud) write it. */
function parseLabelFilter(filter: string | null): Tags {
  const out: Tags = {};
  for (const m of (filter ?? '').matchAll(/labels\.([a-z0-9_-]+)\s*=\s*"?([^")\s]*)"?/g)) out[m[1]!] = m[2]!;
  return out;
}

function verifyJwt(header: string | undefined, publicKey: string): boolean {
  const token = /^Bearer (.+)$/.exec(header ?? '')?.[1];
  const parts = token?.split('.');
  if (parts?.length !== 3) return false;
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${parts[0]}.${parts[1]}`);
  if (!verifier.verify(publicKey, Buffer.from(parts[2]!, 'base64url'))) return false;
  const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: number };
  return typeof claims.exp === 'number' && claims.exp * 1000 > Date.now();
}

export async function startComputeFake(model: CloudModel, options: ComputeFakeOptions): Promise<ComputeFake> {
  const { project } = options;
  const base = `projects/${project}`;
  /** Where each snapshot was taken from (the model keeps the disk id; the disk may be gone). */
  const snapshotSource = new Map<string, string>();
  const isRegional = (d: ModelDisk): boolean => d.zones.length > 1;
  const diskScopePath = (d: ModelDisk): string =>
    isRegional(d) ? `regions/${d.region}` : `zones/${d.zones[0]}`;
  const diskLink = (d: ModelDisk): string => `${LINK}${base}/${diskScopePath(d)}/disks/${d.name}`;
  const instanceLink = (id: string): string => {
    const m = model.machines.get(id);
    return m === undefined ? '' : `${LINK}${base}/zones/${m.zone}/instances/${m.name}`;
  };
  const findDisk = (scope: string, location: string, name: string): ModelDisk | undefined => {
    model.settle();
    return [...model.disks.values()].find(
      (d) =>
        d.name === name &&
        (scope === 'zones'
          ? !isRegional(d) && d.zones[0] === location
          : isRegional(d) && d.region === location),
    );
  };
  const findSnapshot = (name: string): ModelSnapshot | undefined => {
    model.settle();
    return [...model.snapshots.values()].find((s) => s.name === name);
  };

  const diskJson = (d: ModelDisk) => {
    const scope = diskScopePath(d);
    const snap = d.sourceSnapshotId ? model.snapshots.get(d.sourceSnapshotId) : undefined;
    const src = d.sourceDiskId ? model.disks.get(d.sourceDiskId) : undefined;
    return {
      kind: 'compute#disk',
      id: numericId(d.id),
      name: d.name,
      sizeGb: String(d.sizeGiB),
      ...(isRegional(d)
        ? {
            region: `${LINK}${base}/regions/${d.region}`,
            replicaZones: d.zones.map((z) => `${LINK}${base}/zones/${z}`),
          }
        : { zone: `${LINK}${base}/zones/${d.zones[0]}` }),
      status: d.state === 'ready' ? 'READY' : d.state === 'creating' ? 'CREATING' : 'DELETING',
      type: `${LINK}${base}/${scope}/diskTypes/${d.sku}`,
      labels: d.tags,
      labelFingerprint: fingerprint(d.tags),
      creationTimestamp: d.createdAt,
      selfLink: diskLink(d),
      ...(d.attachedTo.length > 0 ? { users: d.attachedTo.map(instanceLink) } : {}),
      ...(snap
        ? {
            sourceSnapshot: `${LINK}${base}/global/snapshots/${snap.name}`,
            sourceSnapshotId: numericId(snap.id),
          }
        : {}),
      ...(src ? { sourceDisk: diskLink(src), sourceDiskId: numericId(src.id) } : {}),
    };
  };

  const snapshotJson = (s: ModelSnapshot) => ({
    kind: 'compute#snapshot',
    id: numericId(s.id),
    name: s.name,
    status: s.state === 'ready' ? 'READY' : s.state === 'creating' ? 'CREATING' : 'DELETING',
    diskSizeGb: String(s.sizeGiB),
    sourceDisk: snapshotSource.get(s.id) ?? '',
    labels: s.tags,
    labelFingerprint: fingerprint(s.tags),
    creationTimestamp: s.createdAt,
    storageLocations: ['us'],
    selfLink: `${LINK}${base}/global/snapshots/${s.name}`,
  });

  const operationJson = (op: ModelOperation, scope: string, type: string, target: string) => ({
    kind: 'compute#operation',
    id: numericId(op.id),
    name: op.id,
    operationType: type,
    targetLink: target,
    status: op.status === 'running' ? 'RUNNING' : 'DONE',
    progress: op.status === 'running' ? 0 : 100,
    insertTime: new Date(op.startedAt).toISOString(),
    selfLink: `${LINK}${base}/${scope}/operations/${op.id}`,
    ...(scope.startsWith('zones/') ? { zone: `${LINK}${base}/${scope}` } : {}),
    ...(scope.startsWith('regions/') ? { region: `${LINK}${base}/${scope}` } : {}),
    ...(op.status === 'failed'
      ? { error: { errors: [{ code: 'RESOURCE_OPERATION_FAILED', message: op.error ?? 'failed' }] } }
      : {}),
  });
  /** Operation ids → what the JSON of each says besides the model's state. */
  const opInfo = new Map<string, { scope: string; type: string; target: string }>();

  const startOp = (
    kind: LongOperationKind,
    scope: string,
    type: string,
    target: string,
    region: string,
    effect: () => void,
  ): ModelOperation => {
    const op = model.startOperation(kind, { id: target, region }, effect);
    opInfo.set(op.id, { scope, type, target });
    return op;
  };
  const opReply = (op: ModelOperation): Reply => {
    const info = opInfo.get(op.id)!;
    return { status: 200, body: operationJson(model.operation(op.id)!, info.scope, info.type, info.target) };
  };

  /**
   * A mutating call: the fault first (before: refused; after: the effect happens, the reply is
   * lost), and the requestId replayed to the first operation.
   */
  const mutate = (
    req: FakeRequest,
    call: string,
    permission: string,
    resource: string,
    act: () => ModelOperation | Reply,
  ): Reply => {
    const requestId = req.query.get('requestId') ?? undefined;
    if (requestId !== undefined) req.logged.token = requestId;
    const fault = model.faultFor(call, true);
    const refusal = (f: NonNullable<typeof fault>['fault']): Reply =>
      f === 'throttle'
        ? error(429, 'rateLimitExceeded', `Rate Limit Exceeded for ${call}`, { 'retry-after': '1' })
        : f === 'denied'
          ? error(403, 'forbidden', `Required '${permission}' permission for '${resource}'`)
          : error(503, 'backendError', 'Internal error. Please try again or contact Google Support.');
    if (fault?.timing === 'before') return refusal(fault.fault);
    const made = model.once(requestId === undefined ? undefined : `${call}:${requestId}`, act);
    if (fault?.timing === 'after') return refusal(fault.fault);
    return typeof made.status === 'number' ? (made as Reply) : opReply(made as ModelOperation);
  };
  const read = (call: string): Reply | undefined => {
    const fault = model.faultFor(call, false);
    if (fault === undefined) return undefined;
    return fault.fault === 'throttle'
      ? error(429, 'rateLimitExceeded', `Rate Limit Exceeded for ${call}`, { 'retry-after': '1' })
      : error(503, 'backendError', 'Internal error. Please try again or contact Google Support.');
  };

  const setLabels = (
    req: FakeRequest,
    item: { tags: Tags; id: string },
    call: string,
    scope: string,
    region: string,
    link: string,
  ): Reply =>
    mutate(req, call, `compute.${call}`, link, () => {
      const body = (req.json ?? {}) as { labels?: Tags; labelFingerprint?: string };
      if (body.labelFingerprint !== fingerprint(item.tags)) {
        return error(
          412,
          'conditionNotMet',
          `Labels fingerprint either invalid or resource labels have changed`,
        );
      }
      const labels = { ...(body.labels ?? {}) };
      return startOp('updateTags', scope, 'setLabels', link, region, () => {
        item.tags = labels;
      });
    });

  async function handle(req: FakeRequest): Promise<Reply> {
    if (
      options.jwtPublicKey !== undefined
        ? !verifyJwt(req.headers.authorization, options.jwtPublicKey)
        : !req.headers.authorization
    ) {
      return {
        status: 401,
        body: {
          error: {
            code: 401,
            message: 'Request had invalid authentication credentials.',
            status: 'UNAUTHENTICATED',
            errors: [{ reason: 'authError', domain: 'global', message: 'Invalid Credentials' }],
          },
        },
      };
    }
    const prefix = `/compute/v1/${base}/`;
    if (!req.path.startsWith(prefix)) return notFound(req.path);
    const parts = req.path.slice(prefix.length).split('/').map(decodeURIComponent);
    const [a, b, c, d, e] = parts;
    const m = req.method;

    // regions.get
    if (m === 'GET' && a === 'regions' && parts.length === 2) {
      const zones = model.zonesOf(b!);
      if (zones === undefined) return notFound(`${base}/regions/${b}`);
      return (
        read('regions.get') ?? {
          status: 200,
          body: {
            kind: 'compute#region',
            name: b,
            status: 'UP',
            zones: zones.map((z) => `${LINK}${base}/zones/${z}`),
          },
        }
      );
    }
    // disks.aggregatedList
    if (m === 'GET' && a === 'aggregated' && b === 'disks') {
      const items: Record<string, { disks: unknown[] }> = {};
      for (const disk of model.tagged(model.disks, parseLabelFilter(req.query.get('filter')))) {
        (items[diskScopePath(disk)] ??= { disks: [] }).disks.push(diskJson(disk));
      }
      return (
        read('disks.aggregatedList') ?? { status: 200, body: { kind: 'compute#diskAggregatedList', items } }
      );
    }
    // operations: get and wait
    if ((a === 'zones' || a === 'regions') && c === 'operations' && d !== undefined) {
      return operation(m, `${a}/${b}`, d, e);
    }
    if (a === 'global' && b === 'operations' && c !== undefined) return operation(m, 'global', c, d);
    // disks (zonal and regional)
    if ((a === 'zones' || a === 'regions') && c === 'disks') return disks(req, a, b!, d, e);
    // snapshots
    if (a === 'global' && b === 'snapshots') return snapshots(req, c, d);
    // instances
    if (a === 'zones' && c === 'instances' && d !== undefined) return instances(req, b!, d, e);
    return error(400, 'invalid', `the fake does not serve ${m} ${req.path}`);
  }

  async function operation(
    method: string,
    scope: string,
    id: string,
    verb: string | undefined,
  ): Promise<Reply> {
    const found = model.operation(id);
    const info = opInfo.get(id);
    if (found === undefined || info === undefined || info.scope !== scope)
      return notFound(`${base}/${scope}/operations/${id}`);
    if (method === 'POST' && verb === 'wait') {
      const until = Date.now() + (options.waitHoldMs ?? 2000);
      while (model.operation(id)!.status === 'running' && Date.now() < until)
        await sleep(Math.min(50, until - Date.now()));
    } else if (method !== 'GET' || verb !== undefined) return error(400, 'invalid', 'bad operation call');
    return read(scope === 'global' ? 'globalOperations.get' : 'operations.get') ?? opReply(found);
  }

  function disks(
    req: FakeRequest,
    scopeKind: string,
    location: string,
    name: string | undefined,
    verb: string | undefined,
  ): Reply {
    const regional = scopeKind === 'regions';
    const service = regional ? 'regionDisks' : 'disks';
    const region = regional ? location : model.regionOfZone(location);
    if (region === undefined || model.zonesOf(region) === undefined)
      return error(400, 'invalid', `Invalid value for field 'zone': '${location}'`);
    const scope = `${scopeKind}/${location}`;
    if (name === undefined) {
      if (req.method !== 'POST') return error(400, 'invalid', 'list is not served');
      const body = (req.json ?? {}) as {
        name?: string;
        sizeGb?: string;
        type?: string;
        labels?: Tags;
        replicaZones?: string[];
        sourceSnapshot?: string;
        sourceDisk?: string;
      };
      const link = `${base}/${scope}/disks/${body.name}`;
      return mutate(req, `${service}.insert`, 'compute.disks.create', link, () => {
        if (!body.name || !NAME.test(body.name))
          return error(400, 'invalid', `Invalid value for field 'resource.name': '${body.name}'`);
        if (findDisk(scopeKind, location, body.name))
          return error(409, 'alreadyExists', `The resource '${link}' already exists`);
        const zones = regional ? (body.replicaZones ?? []).map((z) => z.split('/').pop()!) : [location];
        if (regional && (zones.length !== 2 || zones.some((z) => model.regionOfZone(z) !== region))) {
          return error(400, 'invalid', `Invalid value for field 'resource.replicaZones'`);
        }
        let sizeGiB = Number(body.sizeGb ?? '0');
        let sourceSnapshotId: string | undefined;
        let sourceDiskId: string | undefined;
        if (body.sourceSnapshot) {
          const snap = findSnapshot(body.sourceSnapshot.split('/').pop()!);
          if (snap === undefined) return notFound(body.sourceSnapshot);
          if (snap.state !== 'ready')
            return error(400, 'resourceNotReady', `The resource '${body.sourceSnapshot}' is not ready`);
          sourceSnapshotId = snap.id;
          sizeGiB = Math.max(sizeGiB, snap.sizeGiB);
        }
        if (body.sourceDisk) {
          const parts = body.sourceDisk.split('/');
          const src = findDisk(parts.at(-4)!, parts.at(-3)!, parts.at(-1)!);
          if (src === undefined) return notFound(body.sourceDisk);
          sourceDiskId = src.id;
        }
        if (!(sizeGiB > 0)) return error(400, 'invalid', `Invalid value for field 'resource.sizeGb'`);
        const disk: ModelDisk = {
          id: model.newId('disk-'),
          name: body.name,
          region,
          zones,
          sizeGiB,
          sku: (body.type ?? 'pd-standard').split('/').pop()!,
          tags: { ...(body.labels ?? {}) },
          state: 'creating',
          createdAt: new Date().toISOString(),
          attachedTo: [],
          ...(sourceSnapshotId ? { sourceSnapshotId } : {}),
          ...(sourceDiskId ? { sourceDiskId } : {}),
        };
        model.disks.set(disk.id, disk);
        return startOp('createDisk', scope, 'insert', `${LINK}${link}`, region, () => {
          disk.state = 'ready';
        });
      });
    }
    const disk = findDisk(scopeKind, location, name);
    const link = `${base}/${scope}/disks/${name}`;
    if (req.method === 'GET' && verb === undefined)
      return read(`${service}.get`) ?? (disk ? { status: 200, body: diskJson(disk) } : notFound(link));
    if (req.method === 'DELETE' && verb === undefined) {
      return mutate(req, `${service}.delete`, 'compute.disks.delete', link, () => {
        if (disk === undefined) return notFound(link);
        if (disk.attachedTo.length > 0) {
          return error(
            400,
            'resourceInUseByAnotherResource',
            `The disk resource '${link}' is already being used by '${instanceLink(disk.attachedTo[0]!)}'`,
          );
        }
        disk.state = 'deleting';
        return startOp('deleteDisk', scope, 'delete', `${LINK}${link}`, region, () => {
          model.disks.delete(disk.id);
        });
      });
    }
    if (req.method !== 'POST') return error(400, 'invalid', 'bad disk call');
    if (disk === undefined)
      return mutate(req, `${service}.${verb}`, `compute.disks.${verb}`, link, () => notFound(link));
    switch (verb) {
      case 'setLabels':
        return setLabels(req, disk, `${service}.setLabels`, scope, region, `${LINK}${link}`);
      case 'resize':
        return mutate(req, `${service}.resize`, 'compute.disks.resize', link, () => {
          const size = Number((req.json as { sizeGb?: string } | undefined)?.sizeGb ?? '0');
          if (!(size > disk.sizeGiB))
            return error(400, 'invalid', `Requested disk size cannot be smaller than the current size`);
          return startOp('resizeDisk', scope, 'resize', `${LINK}${link}`, region, () => {
            disk.sizeGiB = size;
          });
        });
      case 'createSnapshot': {
        const body = (req.json ?? {}) as { name?: string; labels?: Tags };
        return mutate(req, `${service}.createSnapshot`, 'compute.disks.createSnapshot', link, () => {
          if (!body.name || !NAME.test(body.name))
            return error(400, 'invalid', `Invalid value for field 'resource.name'`);
          if (findSnapshot(body.name))
            return error(
              409,
              'alreadyExists',
              `The resource '${base}/global/snapshots/${body.name}' already exists`,
            );
          if (disk.state !== 'ready')
            return error(400, 'resourceNotReady', `The resource '${link}' is not ready`);
          const snap: ModelSnapshot = {
            id: model.newId('snap-'),
            name: body.name,
            region: 'global',
            sourceDiskId: disk.id,
            sizeGiB: disk.sizeGiB,
            tags: { ...(body.labels ?? {}) },
            state: 'creating',
            incremental: true,
            createdAt: new Date().toISOString(),
          };
          model.snapshots.set(snap.id, snap);
          snapshotSource.set(snap.id, diskLink(disk));
          return startOp(
            'createSnapshot',
            scope,
            'createSnapshot',
            `${LINK}${base}/global/snapshots/${snap.name}`,
            region,
            () => {
              snap.state = 'ready';
            },
          );
        });
      }
      default:
        return error(400, 'invalid', `the fake does not serve disks.${verb}`);
    }
  }

  function snapshots(req: FakeRequest, name: string | undefined, verb: string | undefined): Reply {
    if (name === undefined) {
      if (req.method !== 'GET') return error(400, 'invalid', 'snapshots.insert is not served');
      const items = model
        .tagged(model.snapshots, parseLabelFilter(req.query.get('filter')))
        .map(snapshotJson);
      return read('snapshots.list') ?? { status: 200, body: { kind: 'compute#snapshotList', items } };
    }
    const snap = findSnapshot(name);
    const link = `${base}/global/snapshots/${name}`;
    if (req.method === 'GET' && verb === undefined)
      return read('snapshots.get') ?? (snap ? { status: 200, body: snapshotJson(snap) } : notFound(link));
    if (req.method === 'DELETE' && verb === undefined) {
      return mutate(req, 'snapshots.delete', 'compute.snapshots.delete', link, () => {
        if (snap === undefined) return notFound(link);
        const reader = [...model.disks.values()].find(
          (d) => d.sourceSnapshotId === snap.id && d.state === 'creating',
        );
        if (reader)
          return error(
            400,
            'resourceInUseByAnotherResource',
            `The snapshot resource '${link}' is already being used by '${diskLink(reader)}'`,
          );
        snap.state = 'deleting';
        return startOp('deleteSnapshot', 'global', 'delete', `${LINK}${link}`, 'global', () => {
          model.snapshots.delete(snap.id);
        });
      });
    }
    if (req.method === 'POST' && verb === 'setLabels') {
      if (snap === undefined)
        return mutate(req, 'snapshots.setLabels', 'compute.snapshots.setLabels', link, () => notFound(link));
      return setLabels(req, snap, 'snapshots.setLabels', 'global', 'global', `${LINK}${link}`);
    }
    return error(400, 'invalid', 'bad snapshot call');
  }

  function instances(req: FakeRequest, zone: string, name: string, verb: string | undefined): Reply {
    model.settle();
    const machine = [...model.machines.values()].find((x) => x.name === name && x.zone === zone);
    const link = `${base}/zones/${zone}/instances/${name}`;
    if (machine === undefined || machine.state === 'terminated') {
      return req.method === 'GET'
        ? notFound(link)
        : mutate(req, `instances.${verb}`, `compute.instances.${verb}`, link, () => notFound(link));
    }
    const attached = [...model.disks.values()].filter((x) => x.attachedTo.includes(machine.id));
    if (req.method === 'GET' && verb === undefined) {
      return (
        read('instances.get') ?? {
          status: 200,
          body: {
            kind: 'compute#instance',
            id: numericId(machine.id),
            name,
            zone: `${LINK}${base}/zones/${zone}`,
            // A stopped VM is TERMINATED in Compute Engine's words.
            status: machine.state === 'running' ? 'RUNNING' : 'TERMINATED',
            disks: attached.map((x) => ({
              deviceName: x.name,
              source: diskLink(x),
              mode: 'READ_WRITE',
              type: 'PERSISTENT',
            })),
            selfLink: `${LINK}${link}`,
          },
        }
      );
    }
    if (req.method === 'POST' && verb === 'detachDisk') {
      const device = req.query.get('deviceName');
      return mutate(req, 'instances.detachDisk', 'compute.instances.detachDisk', link, () => {
        const disk = attached.find((x) => x.name === device);
        if (disk === undefined)
          return error(400, 'invalid', `No attached disk found with device name '${device}'`);
        return startOp(
          'detach',
          `zones/${zone}`,
          'detachDisk',
          `${LINK}${link}`,
          model.regionOfZone(zone)!,
          () => {
            disk.attachedTo = disk.attachedTo.filter((x) => x !== machine.id);
          },
        );
      });
    }
    if (req.method === 'POST' && verb === 'stop') {
      return mutate(req, 'instances.stop', 'compute.instances.stop', link, () =>
        startOp('stopInstance', `zones/${zone}`, 'stop', `${LINK}${link}`, model.regionOfZone(zone)!, () => {
          machine.state = 'stopped';
        }),
      );
    }
    return error(400, 'invalid', `the fake does not serve instances.${verb}`);
  }

  const running = await startHttpFake(model, handle);
  return {
    ...running,
    model,
    computeEndpoint: `${running.endpoint}/compute/v1/`,
    diskNamed: (name) => [...model.disks.values()].find((x) => x.name === name),
  };
}
