// A FAKE of Azure Resource Manager for the aks driver's tests: only the Microsoft.Compute calls the
// driver makes, on the shared cloud model (../cloud-model.ts). It follows the Compute REST API as
// @azure/arm-compute 25.1.1 sends it (disks and snapshots api-version 2026-03-02, VMs 2026-04-01):
//   PUT/GET/PATCH/DELETE .../disks/{name} and .../snapshots/{name}, GET of both lists of a resource
//   group, POST .../attachDetachDataDisks and .../powerOff and GET .../instanceView of VMs and
//   scale-set VMs, GET .../locations/{l}/operations/{id}, and the App Service managed identity
//   token endpoint (IDENTITY_ENDPOINT) DefaultAzureCredential asks for a token.
// Long operations answer 201/202 with Azure-AsyncOperation; the operation reads InProgress at
// least once, then Succeeded when the model has finished it. A CopyStart snapshot answers at once
// and reports completionPercent until the copy's latency has passed, as Azure does. Faults: 429
// TooManyRequests with Retry-After, 500 InternalServerError (before the effect, or after it with
// the reply lost), 403 AuthorizationFailed. Each PUT logs the ARM name it creates, Azure's
// idempotency token. Not modelled: ETags, paging, quotas, zones per SKU, encryption.
import type {
  CloudModel,
  Fault,
  ModelDisk,
  ModelMachine,
  ModelOperation,
  ModelSnapshot,
} from '../cloud-model';
import type { FakeReply, FakeRequest } from '../http-fake';

export const FAKE_TOKEN = 'kompox-fake-arm-token';
export const FAKE_IDENTITY_HEADER = 'kompox-fake-identity-header';
/** Where the fake's VMs live: an AKS node resource group and scale set. */
export const NODE_RESOURCE_GROUP = 'MC_kompox_aks_eastus2';
export const NODE_SCALE_SET = 'aks-nodepool1-12345678-vmss';

const PROVIDER = '/providers/Microsoft.Compute';
const RESOURCE =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/(disks|snapshots)(?:\/([^/]+))?$/i;
const VM =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/(?:virtualMachineScaleSets\/[^/]+\/virtualMachines|virtualMachines)\/([^/]+)(?:\/(attachDetachDataDisks|powerOff|instanceView))?$/i;
const OPERATION =
  /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Compute\/locations\/([^/]+)\/operations\/([^/]+)$/i;

type Body = Record<string, unknown>;
const props = (b: unknown): Body => ((b as Body | undefined)?.properties ?? {}) as Body;
const error = (
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): FakeReply => ({
  status,
  body: { error: { code, message } },
  ...(headers ? { headers } : {}),
});

export class ArmFake {
  /** Operations that have answered one poll (each reads InProgress at least once). */
  private readonly polled = new Set<string>();
  /** The copy operation of each CopyStart snapshot, for its completionPercent. */
  private readonly copies = new Map<string, ModelOperation>();

  constructor(
    readonly model: CloudModel,
    readonly subscriptionId: string,
  ) {}

  /** The ARM id of a model machine: a VM of the AKS node pool's scale set. */
  vmId(machine: ModelMachine): string {
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${NODE_RESOURCE_GROUP}${PROVIDER}/virtualMachineScaleSets/${NODE_SCALE_SET}/virtualMachines/${machine.id}`;
  }

  /** The model's zone name for an Azure location and logical zone: `<location>-<zone>`. */
  static modelZone(location: string, zone: string): string {
    return `${location}-${zone}`;
  }

  handle = (req: FakeRequest): FakeReply => {
    if (req.path.endsWith('/msi/token')) return this.token(req);
    if (req.headers.authorization !== `Bearer ${FAKE_TOKEN}`)
      return error(401, 'AuthenticationFailed', 'Authentication failed: no valid bearer token.');
    const op = OPERATION.exec(req.path);
    if (op !== null && req.method === 'GET') return this.operationStatus(op[2]!);
    const res = RESOURCE.exec(req.path);
    const vm = VM.exec(req.path);
    const call = `${req.method} ${res?.[3]?.toLowerCase() ?? (vm ? `vm${vm[4] ? `.${vm[4]}` : ''}` : 'other')}`;
    const fault = this.model.faultFor(call, req.method !== 'GET');
    if (fault?.timing === 'before') return this.faultReply(fault.fault);
    const reply =
      res !== null ? this.resource(req, res) : vm !== null ? this.vm(req, vm[3]!, vm[4]) : undefined;
    if (fault?.timing === 'after') return this.faultReply(fault.fault);
    return reply ?? error(404, 'NotFound', `no route for ${req.method} ${req.path}`);
  };

  private faultReply(fault: Fault): FakeReply {
    switch (fault) {
      case 'throttle':
        return error(429, 'TooManyRequests', 'The request is being throttled.', { 'Retry-After': '1' });
      case 'denied':
        return error(403, 'AuthorizationFailed', 'The client does not have authorization to perform action.');
      case 'transient':
        return error(500, 'InternalServerError', 'An internal execution error occurred. Please retry later.');
    }
  }

  /** App Service managed identity protocol (api-version 2019-08-01). */
  private token(req: FakeRequest): FakeReply {
    if (req.headers['x-identity-header'] !== FAKE_IDENTITY_HEADER)
      return { status: 401, body: { error: 'invalid_identity_header' } };
    const expiresOn = Math.floor(Date.now() / 1000) + 3600;
    return {
      status: 200,
      body: {
        access_token: FAKE_TOKEN,
        expires_on: String(expiresOn),
        resource: req.query.get('resource') ?? '',
        token_type: 'Bearer',
      },
    };
  }

  private asyncHeaders(req: FakeRequest, op: ModelOperation): Record<string, string> {
    const url = `https://${req.headers.host}/subscriptions/${this.subscriptionId}${PROVIDER}/locations/${op.region}/operations/${op.id}?api-version=${req.query.get('api-version') ?? ''}`;
    return { 'Azure-AsyncOperation': url, Location: url };
  }

  private operationStatus(id: string): FakeReply {
    const op = this.model.operation(id);
    if (op === undefined) return error(404, 'NotFound', `operation ${id} not found`);
    const first = !this.polled.has(id);
    this.polled.add(id);
    const status =
      first || op.status === 'running' ? 'InProgress' : op.status === 'succeeded' ? 'Succeeded' : 'Failed';
    return {
      status: 200,
      body: {
        name: id,
        status,
        startTime: new Date(op.startedAt).toISOString(),
        ...(status === 'Failed'
          ? { error: { code: 'InternalExecutionError', message: op.error ?? 'failed' } }
          : {}),
      },
    };
  }

  // -------------------------------------------------------------------------------------------
  // Disks and snapshots

  private resource(req: FakeRequest, m: RegExpExecArray): FakeReply {
    const [, , rg, type, name] = m;
    const kind = type!.toLowerCase() as 'disks' | 'snapshots';
    const items: Map<string, ModelDisk | ModelSnapshot> =
      kind === 'disks' ? this.model.disks : this.model.snapshots;
    const show = (x: ModelDisk | ModelSnapshot): Body =>
      kind === 'disks' ? this.diskJson(x as ModelDisk) : this.snapshotJson(x as ModelSnapshot);
    if (name === undefined) {
      if (req.method !== 'GET') return error(405, 'MethodNotAllowed', req.method);
      const prefix = `/subscriptions/${this.subscriptionId}/resourceGroups/${rg}/`.toLowerCase();
      const value = this.model.tagged(items, {}).filter((x) => x.id.toLowerCase().startsWith(prefix));
      return { status: 200, body: { value: value.map(show) } };
    }
    const id = `/subscriptions/${this.subscriptionId}/resourceGroups/${rg}${PROVIDER}/${kind}/${name}`;
    this.model.settle();
    const found = items.get(id);
    const notFound = (): FakeReply =>
      error(404, 'ResourceNotFound', `The Resource 'Microsoft.Compute/${kind}/${name}' was not found.`);
    switch (req.method) {
      case 'GET':
        return found === undefined ? notFound() : { status: 200, body: show(found) };
      case 'PUT':
        req.logged.token = name;
        return kind === 'disks' ? this.putDisk(req, id, name!) : this.putSnapshot(req, id, name!);
      case 'PATCH':
        return found === undefined ? notFound() : this.patch(req, kind, found);
      case 'DELETE':
        return this.remove(req, kind, found);
      default:
        return error(405, 'MethodNotAllowed', req.method);
    }
  }

  private putDisk(req: FakeRequest, id: string, name: string): FakeReply {
    const body = req.json as Body;
    const p = props(body);
    const location = String(body.location ?? '');
    const sku = String((body.sku as Body | undefined)?.name ?? 'Premium_LRS');
    const zones = (body.zones as string[] | undefined) ?? [];
    const creation = (p.creationData ?? {}) as Body;
    const regionZones = this.model.zonesOf(location);
    if (regionZones === undefined)
      return error(400, 'LocationNotAvailableForResourceType', `location ${location}`);
    const zrs = sku.endsWith('_ZRS');
    if (zrs ? zones.length > 0 : zones.length !== 1)
      return error(400, 'InvalidParameter', `sku ${sku} takes ${zrs ? 'no zones' : 'one zone'}`);
    const modelZones = zrs ? regionZones : zones.map((z) => ArmFake.modelZone(location, z));
    if (modelZones.some((z) => !regionZones.includes(z)))
      return error(400, 'InvalidParameter', `zone ${zones.join(',')} is not in ${location}`);
    const existing = this.model.disks.get(id);
    if (existing !== undefined) {
      // PUT of an existing disk updates it; what it was made from cannot change.
      const source = existing.sourceSnapshotId ?? existing.sourceDiskId;
      if ((creation.sourceResourceId ?? undefined) !== source)
        return error(409, 'PropertyChangeNotAllowed', `Changing property 'sourceResourceId' is not allowed.`);
      existing.tags = { ...((body.tags as Record<string, string> | undefined) ?? {}) };
      return { status: 200, body: this.diskJson(existing) };
    }
    let sourceSnapshotId: string | undefined;
    let sourceDiskId: string | undefined;
    if (creation.createOption === 'Copy') {
      const src = String(creation.sourceResourceId ?? '');
      const snap = this.model.snapshot(src);
      const disk = this.model.disk(src);
      const from = snap ?? disk;
      if (from === undefined) return error(404, 'ResourceNotFound', `source ${src} was not found.`);
      if (from.region !== location)
        return error(400, 'InvalidParameter', `source ${src} is in another region.`);
      if (from.state !== 'ready') return error(409, 'Conflict', `source ${src} is not ready.`);
      if (snap !== undefined) sourceSnapshotId = src;
      else sourceDiskId = src;
    } else if (creation.createOption !== 'Empty') {
      return error(
        400,
        'InvalidParameter',
        `createOption ${String(creation.createOption)} is not supported here`,
      );
    }
    const disk: ModelDisk = {
      id,
      name,
      region: location,
      zones: modelZones,
      sizeGiB: Number(p.diskSizeGB ?? 0),
      sku,
      tags: { ...((body.tags as Record<string, string> | undefined) ?? {}) },
      state: 'creating',
      createdAt: new Date().toISOString(),
      ...(sourceSnapshotId ? { sourceSnapshotId } : {}),
      ...(sourceDiskId ? { sourceDiskId } : {}),
      attachedTo: [],
    };
    this.model.disks.set(id, disk);
    const op = this.model.startOperation(
      'createDisk',
      { id, region: location },
      () => (disk.state = 'ready'),
    );
    return { status: 201, headers: this.asyncHeaders(req, op), body: this.diskJson(disk) };
  }

  private putSnapshot(req: FakeRequest, id: string, name: string): FakeReply {
    const body = req.json as Body;
    const p = props(body);
    const location = String(body.location ?? '');
    const creation = (p.creationData ?? {}) as Body;
    const src = String(creation.sourceResourceId ?? '');
    if (this.model.zonesOf(location) === undefined)
      return error(400, 'LocationNotAvailableForResourceType', `location ${location}`);
    const existing = this.model.snapshots.get(id);
    if (existing !== undefined) {
      // PUT of an existing snapshot updates its tags; it takes no new point in time.
      if ((existing.copiedFromId ?? existing.sourceDiskId) !== src)
        return error(409, 'PropertyChangeNotAllowed', `Changing property 'sourceResourceId' is not allowed.`);
      existing.tags = { ...((body.tags as Record<string, string> | undefined) ?? {}) };
      return { status: 200, body: this.snapshotJson(existing) };
    }
    const base = {
      id,
      name,
      region: location,
      tags: { ...((body.tags as Record<string, string> | undefined) ?? {}) },
      state: 'creating' as const,
      incremental: p.incremental === true,
      createdAt: new Date().toISOString(),
    };
    if (creation.createOption === 'CopyStart') {
      const from = this.model.snapshot(src);
      if (from === undefined) return error(404, 'ResourceNotFound', `source ${src} was not found.`);
      if (from.region === location || !from.incremental || from.state !== 'ready')
        return error(
          400,
          'InvalidParameter',
          'CopyStart needs a ready incremental snapshot of another region.',
        );
      const snap: ModelSnapshot = {
        ...base,
        sourceDiskId: from.sourceDiskId,
        sizeGiB: from.sizeGiB,
        copiedFromId: src,
      };
      this.model.snapshots.set(id, snap);
      const op = this.model.startOperation(
        'copySnapshot',
        { id, region: location },
        () => (snap.state = 'ready'),
      );
      this.copies.set(id, op);
      // The resource is provisioned at once; the data follows (completionPercent).
      return { status: 200, body: this.snapshotJson(snap) };
    }
    const disk = this.model.disk(src);
    if (creation.createOption !== 'Copy' || disk === undefined)
      return error(404, 'ResourceNotFound', `source disk ${src} was not found.`);
    if (disk.region !== location)
      return error(400, 'InvalidParameter', 'a snapshot is made in its disk region.');
    const snap: ModelSnapshot = { ...base, sourceDiskId: src, sizeGiB: disk.sizeGiB };
    this.model.snapshots.set(id, snap);
    const op = this.model.startOperation(
      'createSnapshot',
      { id, region: location },
      () => (snap.state = 'ready'),
    );
    return { status: 201, headers: this.asyncHeaders(req, op), body: this.snapshotJson(snap) };
  }

  private patch(req: FakeRequest, kind: 'disks' | 'snapshots', found: ModelDisk | ModelSnapshot): FakeReply {
    const body = req.json as Body;
    if (body.tags !== undefined) found.tags = { ...(body.tags as Record<string, string>) };
    const size = props(body).diskSizeGB;
    if (kind === 'disks' && typeof size === 'number' && size !== found.sizeGiB) {
      const disk = found as ModelDisk;
      if (size < disk.sizeGiB) return error(400, 'BadRequest', 'Disks can only grow.');
      const op = this.model.startOperation('resizeDisk', { id: disk.id, region: disk.region }, () => {
        disk.sizeGiB = size;
      });
      return { status: 202, headers: this.asyncHeaders(req, op) };
    }
    return {
      status: 200,
      body: kind === 'disks' ? this.diskJson(found as ModelDisk) : this.snapshotJson(found as ModelSnapshot),
    };
  }

  private remove(
    req: FakeRequest,
    kind: 'disks' | 'snapshots',
    found: ModelDisk | ModelSnapshot | undefined,
  ): FakeReply {
    if (found === undefined) return { status: 204 };
    if (kind === 'disks' && (found as ModelDisk).attachedTo.length > 0)
      return error(409, 'OperationNotAllowed', `Disk ${found.name} is attached to a VM.`);
    found.state = 'deleting';
    const items: Map<string, unknown> = kind === 'disks' ? this.model.disks : this.model.snapshots;
    const op = this.model.startOperation(kind === 'disks' ? 'deleteDisk' : 'deleteSnapshot', found, () =>
      items.delete(found.id),
    );
    return { status: 202, headers: this.asyncHeaders(req, op) };
  }

  private diskJson(d: ModelDisk): Body {
    const zrs = d.sku.endsWith('_ZRS');
    const managedBy = d.attachedTo[0];
    const machine = managedBy === undefined ? undefined : this.model.machines.get(managedBy);
    return {
      id: d.id,
      name: d.name,
      type: 'Microsoft.Compute/disks',
      location: d.region,
      ...(zrs ? {} : { zones: d.zones.map((z) => z.slice(d.region.length + 1)) }),
      sku: { name: d.sku },
      tags: d.tags,
      ...(machine ? { managedBy: this.vmId(machine) } : {}),
      properties: {
        creationData:
          (d.sourceSnapshotId ?? d.sourceDiskId)
            ? { createOption: 'Copy', sourceResourceId: d.sourceSnapshotId ?? d.sourceDiskId }
            : { createOption: 'Empty' },
        diskSizeGB: d.sizeGiB,
        diskSizeBytes: d.sizeGiB * 1024 ** 3,
        provisioningState: { creating: 'Creating', ready: 'Succeeded', deleting: 'Deleting' }[d.state],
        diskState: machine ? 'Attached' : 'Unattached',
        timeCreated: d.createdAt,
      },
    };
  }

  private snapshotJson(s: ModelSnapshot): Body {
    const copy = this.copies.get(s.id);
    const percent =
      copy === undefined
        ? undefined
        : s.state === 'creating'
          ? Math.min(
              99,
              Math.floor((100 * (Date.now() - copy.startedAt)) / Math.max(1, copy.doneAt - copy.startedAt)),
            )
          : 100;
    return {
      id: s.id,
      name: s.name,
      type: 'Microsoft.Compute/snapshots',
      location: s.region,
      sku: { name: 'Standard_ZRS' },
      tags: s.tags,
      properties: {
        creationData: s.copiedFromId
          ? { createOption: 'CopyStart', sourceResourceId: s.copiedFromId }
          : { createOption: 'Copy', sourceResourceId: s.sourceDiskId },
        diskSizeGB: s.sizeGiB,
        incremental: s.incremental,
        // A CopyStart copy is provisioned at once; its data is not there before 100 %.
        provisioningState:
          copy !== undefined && s.state === 'creating'
            ? 'Succeeded'
            : { creating: 'Creating', ready: 'Succeeded', deleting: 'Deleting' }[s.state],
        snapshotAccessState: s.state === 'ready' ? 'Available' : 'Pending',
        timeCreated: s.createdAt,
        ...(percent === undefined ? {} : { completionPercent: percent }),
      },
    };
  }

  // -------------------------------------------------------------------------------------------
  // VMs

  private vm(req: FakeRequest, machineId: string, action: string | undefined): FakeReply {
    this.model.settle();
    // A scale set VM by its instance id (the model's id), a standalone VM by its name.
    const machine =
      this.model.machines.get(machineId) ??
      [...this.model.machines.values()].find((m) => m.name === machineId);
    if (machine === undefined || machine.state === 'terminated')
      return error(404, 'ResourceNotFound', `The Resource 'virtualMachines/${machineId}' was not found.`);
    const busy = [...this.model.operations.values()].some(
      (o) => o.targetId === machine.id && o.status === 'running',
    );
    const region = this.model.regionOfZone(machine.zone) ?? '';
    const a = action?.toLowerCase();
    if (req.method === 'GET' && a === undefined)
      return {
        status: 200,
        body: {
          id: this.vmId(machine),
          name: machine.name,
          properties: { provisioningState: busy ? 'Updating' : 'Succeeded' },
        },
      };
    if (req.method === 'GET' && a === 'instanceview')
      return {
        status: 200,
        body: {
          statuses: [
            { code: `ProvisioningState/${busy ? 'updating' : 'succeeded'}` },
            { code: machine.state === 'running' ? 'PowerState/running' : 'PowerState/stopped' },
          ],
        },
      };
    if (req.method === 'POST' && a === 'poweroff') {
      const op = this.model.startOperation('stopInstance', { id: machine.id, region }, () => {
        machine.state = 'stopped';
      });
      return { status: 202, headers: this.asyncHeaders(req, op) };
    }
    if (req.method === 'POST' && a === 'attachdetachdatadisks') {
      if (busy) return error(409, 'OperationNotAllowed', 'Another operation on this VM is in progress.');
      const detach = ((req.json as Body | undefined)?.dataDisksToDetach ?? []) as Body[];
      if (detach.some((d) => d.detachOption !== 'ForceDetach' && d.detachOption !== undefined))
        return error(400, 'InvalidParameter', 'detachOption must be ForceDetach');
      const ids = detach.map((d) => String(d.diskId ?? ''));
      const op = this.model.startOperation('detach', { id: machine.id, region }, () => {
        for (const id of ids) {
          const disk = this.model.disks.get(id);
          if (disk) disk.attachedTo = disk.attachedTo.filter((m) => m !== machine.id);
        }
      });
      return { status: 202, headers: this.asyncHeaders(req, op) };
    }
    return error(405, 'MethodNotAllowed', `${req.method} ${action ?? ''}`);
  }
}
