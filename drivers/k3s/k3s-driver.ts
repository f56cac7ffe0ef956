// The `k3s` provider: a generic CSI driver for any cluster whose storage has a StorageClass and a
// VolumeSnapshotClass (Longhorn on K3s, the dev cluster's `local.csi.kompox.dev`, ...). It keeps
// everything as Kubernetes objects in one namespace (K3S_DISK_NAMESPACE):
//
//   disk      a PVC provisioned by the StorageClass, labelled with Kompox's tags; its bound PV is
//             patched to reclaim `Retain`, so the app's own static PV/PVC pair can use the same
//             volumeHandle and deleting a claim never loses data by accident
//   snapshot  a VolumeSnapshot of the disk's PVC; its VolumeSnapshotContent is patched to
//             deletionPolicy `Retain` (set back to `Delete` just before Kompox deletes it)
//   restore   a PVC whose dataSource is the VolumeSnapshot
//
// Zones are the nodes' topology.kubernetes.io/zone values (KOM, provider and topology spelling are
// all the label value). A WaitForFirstConsumer class provisions only once a node is chosen, so a
// disk for zone Z carries `volume.kubernetes.io/selected-node` naming a Ready node in Z, as the
// scheduler would set it. Attachments are VolumeAttachments of any PV with the disk's handle.
// There is no detach call in Kubernetes' storage API: force-detach is the out-of-service taint.
//
// Stateless: all state is in the objects (labels = tags, annotations = request facts), so any
// worker can poll any operation; idempotency is the `kompox-operation-key` label.

import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  StorageV1Api,
  setHeaderOptions,
  type V1Node,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
  type V1StorageClass,
  type V1TypedLocalObjectReference,
} from '@kubernetes/client-node';
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
  pollString as str,
  soleAssignedDisk,
} from '../common';
import { DriverError, invalidArgument, notFound } from '../errors';
import { keyDigest, keyName, requestFingerprint, validateIdempotencyKey } from '../idempotency';
import type { JsonObject, OperationHandle, OperationKind, PollResult } from '../long-operation';
import {
  MANAGED_BY_VALUE,
  TAG,
  type Tags,
  applyTagChange,
  assignedTagValue,
  isAssignedTag,
  tagsMatch,
  systemTags,
  tagsToWrite,
} from '../tags';
import { tagValue } from '../tag-value';
import { toKubeError } from '../../kube/errors';
import { objectName, quantityBytes } from './kube-names';
import { K3S_SETTING, type K3sSettings, readK3sSettings } from './settings';

export const K3S_DRIVER_NAME = 'k3s';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const REGION_LABEL = 'topology.kubernetes.io/region';
export const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
const DEFAULT_SC = 'storageclass.kubernetes.io/is-default-class';
const DEFAULT_SC_BETA = 'storageclass.beta.kubernetes.io/is-default-class';
const DEFAULT_VSC = 'snapshot.storage.kubernetes.io/is-default-class';
/** Used when nodes carry no region label. */
const NO_REGION = 'default';

const SNAP = { group: 'snapshot.storage.k8s.io', version: 'v1' } as const;

// Annotations: the request facts labels cannot hold (raw names, JSON).
const ANN = {
  app: 'kompox.dev/app',
  volume: 'kompox.dev/volume',
  name: 'kompox.dev/name',
  requestHash: 'kompox.dev/request-hash',
  zone: 'kompox.dev/zone',
  region: 'kompox.dev/region',
  source: 'kompox.dev/source',
  options: 'kompox.dev/options',
  sourceDisk: 'kompox.dev/source-disk',
  sourceDiskHandle: 'kompox.dev/source-disk-handle',
  updatedAt: 'kompox.dev/updated-at',
} as const;

// Disk.options keys carrying the bound PV's facts, so pvSource(disk) needs no API call.
const OPT = {
  csiDriver: 'csiDriver',
  csiFsType: 'csiFsType',
  csiVolumeAttributes: 'csiVolumeAttributes',
  topologyKey: 'topologyKey',
  topologyValues: 'topologyValues',
  volumeMode: 'volumeMode',
} as const;

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface VolumeSnapshotObject {
  metadata?: {
    name?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string | Date;
    deletionTimestamp?: string | Date;
  };
  spec?: { volumeSnapshotClassName?: string; source?: { persistentVolumeClaimName?: string } };
  status?: {
    readyToUse?: boolean;
    restoreSize?: string;
    boundVolumeSnapshotContentName?: string;
    error?: { message?: string };
  };
}

interface SnapshotContentObject {
  metadata?: { name?: string };
  spec?: { deletionPolicy?: string; driver?: string };
  status?: { snapshotHandle?: string; readyToUse?: boolean; restoreSize?: number };
}

interface SnapshotClassObject {
  metadata?: { name?: string; annotations?: Record<string, string> };
  driver?: string;
}

interface Classes {
  storageClass: V1StorageClass;
  snapshotClass: string;
}

interface Api {
  core: CoreV1Api;
  storage: StorageV1Api;
  custom: CustomObjectsApi;
}

const iso = (t: string | Date | undefined): string =>
  t === undefined ? new Date(0).toISOString() : new Date(t).toISOString();

/** Turns a client-node failure into a DriverError with the code activities act on. */
function driverError(err: unknown, action: string): DriverError {
  if (err instanceof DriverError) return err;
  const k = toKubeError(err, action);
  const code = k.code;
  if (code === 404) return new DriverError('NotFound', k.message, { cause: err });
  if (code === 409) return new DriverError('Conflict', k.message, { cause: err });
  if (code === 400 || code === 422 || code === 401 || code === 403)
    return new DriverError('InvalidArgument', k.message, { cause: err });
  return new DriverError('Transient', k.message, { cause: err });
}

async function call<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw driverError(err, action);
  }
}

/** The object, or undefined when the apiserver says 404. */
async function maybe<T>(action: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    const e = driverError(err, action);
    if (e.code === 'NotFound') return undefined;
    throw e;
  }
}

function nodeReady(n: V1Node): boolean {
  return (
    n.spec?.unschedulable !== true &&
    (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

export class K3sDriver implements ProviderDriver {
  readonly driverName = K3S_DRIVER_NAME;
  readonly capabilities: Capabilities = {
    // Kubernetes has no detach call: the out-of-service taint makes the attach/detach controller do it.
    forceDetach: false,
    fence: false,
    zoneRedundantDisks: false,
    incrementalSnapshots: false,
    crossRegionCopy: false,
    // A PVC with a PVC dataSource needs CLONE_VOLUME, which not every CSI driver has.
    diskFromDisk: false,
    instanceState: false,
  };

  readonly settings: K3sSettings;
  private api?: Promise<Api>;

  constructor(private readonly ctx: DriverContext) {
    this.settings = readK3sSettings(ctx);
  }

  get namespace(): string {
    return this.settings.diskNamespace;
  }

  private kube(): Promise<Api> {
    if (this.api === undefined) {
      const { kubeConfig } = this.ctx;
      if (kubeConfig === undefined) {
        return Promise.reject(
          invalidArgument(
            `the k3s driver of provider ${this.ctx.provider} has no way to the cluster: the worker must give it the Cluster's kubeconfig (DriverContext.kubeConfig)`,
            { reason: 'kubeconfig' },
          ),
        );
      }
      const api = kubeConfig().then((kc: KubeConfig) => ({
        core: kc.makeApiClient(CoreV1Api),
        storage: kc.makeApiClient(StorageV1Api),
        custom: kc.makeApiClient(CustomObjectsApi),
      }));
      api.catch(() => (this.api = undefined));
      this.api = api;
    }
    return this.api;
  }

  private handle<K extends OperationKind>(kind: K, id: string, pollState: JsonObject): OperationHandle<K> {
    return { kind, provider: K3S_DRIVER_NAME, id, pollState, startedAt: new Date().toISOString() };
  }

  /** Label selector for this provider's objects of one app (and volume). */
  private selector(filter: { app: string; volume?: string }, extra: Tags = {}): string {
    const sel: Tags = {
      [TAG.managedBy]: MANAGED_BY_VALUE,
      [TAG.workspace]: this.ctx.workspace,
      [TAG.provider]: this.ctx.provider,
      [TAG.app]: filter.app,
      ...(filter.volume === undefined ? {} : { [TAG.volume]: filter.volume }),
      ...extra,
    };
    return Object.entries(sel)
      .map(([k, v]) => `${k}=${tagValue(v)}`)
      .join(',');
  }

  // -------------------------------------------------------------------------------------------
  // Classes: checked before anything is created

  /**
   * The StorageClass and VolumeSnapshotClass disks and snapshots use, from the settings or the
   * cluster's defaults. Every problem names the setting and what to install.
   */
  async classes(): Promise<Classes> {
    const { storage, custom } = await this.kube();
    const scKey = K3S_SETTING.storageClass;
    const vscKey = K3S_SETTING.snapshotClass;
    const install =
      'install a snapshot-capable CSI driver (for example Longhorn) with its StorageClass and VolumeSnapshotClass';
    let sc: V1StorageClass | undefined;
    if (this.settings.storageClass !== undefined) {
      const name = this.settings.storageClass;
      sc = await maybe(`read StorageClass ${name}`, () => storage.readStorageClass({ name }));
      if (sc === undefined) {
        throw invalidArgument(
          `${scKey} "${name}": the cluster has no StorageClass of that name; create it (${install}), or leave ${scKey} unset to use the cluster's default StorageClass`,
          { setting: scKey },
        );
      }
    } else {
      const all = (await call('list StorageClasses', () => storage.listStorageClass())).items;
      const defaults = all
        .filter((c) => {
          const a = c.metadata?.annotations ?? {};
          return a[DEFAULT_SC] === 'true' || a[DEFAULT_SC_BETA] === 'true';
        })
        .sort((a, b) => iso(b.metadata?.creationTimestamp).localeCompare(iso(a.metadata?.creationTimestamp)));
      sc = defaults[0];
      if (sc === undefined) {
        throw invalidArgument(
          `${scKey} is not set and the cluster has no default StorageClass: set ${scKey}, or ${install} and mark its StorageClass default (${DEFAULT_SC}=true)`,
          { setting: scKey },
        );
      }
    }
    const scName = sc.metadata?.name ?? '?';
    const provisioner = sc.provisioner;

    const list = await maybe('list VolumeSnapshotClasses', () =>
      custom.listClusterCustomObject({ ...SNAP, plural: 'volumesnapshotclasses' }),
    );
    if (list === undefined) {
      throw invalidArgument(
        `${vscKey}: the cluster has no VolumeSnapshot API (snapshot.storage.k8s.io/v1); install the external-snapshotter's CRDs and snapshot-controller, and ${install}`,
        { setting: vscKey },
      );
    }
    const vscs = ((list as { items?: SnapshotClassObject[] }).items ?? []).filter(
      (c) => c.metadata?.name !== undefined,
    );
    if (this.settings.snapshotClass !== undefined) {
      const name = this.settings.snapshotClass;
      const vsc = vscs.find((c) => c.metadata!.name === name);
      if (vsc === undefined) {
        throw invalidArgument(
          `${vscKey} "${name}": the cluster has no VolumeSnapshotClass of that name; create one for driver ${provisioner}, or leave ${vscKey} unset to use the default VolumeSnapshotClass of StorageClass ${scName}'s driver`,
          { setting: vscKey },
        );
      }
      if (vsc.driver !== provisioner) {
        throw invalidArgument(
          `${vscKey} "${name}" is for CSI driver ${vsc.driver ?? '?'}, but StorageClass ${scName} (${scKey}) provisions with ${provisioner}: choose a VolumeSnapshotClass of ${provisioner}`,
          { setting: vscKey },
        );
      }
      return { storageClass: sc, snapshotClass: name };
    }
    const forDriver = vscs.filter((c) => c.driver === provisioner);
    const defaults = forDriver.filter((c) => c.metadata?.annotations?.[DEFAULT_VSC] === 'true');
    const chosen = defaults.length === 1 ? defaults[0] : forDriver.length === 1 ? forDriver[0] : undefined;
    if (chosen === undefined) {
      if (forDriver.length === 0) {
        throw invalidArgument(
          `StorageClass ${scName} (${scKey}) provisions with ${provisioner}, which has no VolumeSnapshotClass, so its disks cannot be snapshotted: ${install}, and set ${scKey} to its StorageClass (or create a VolumeSnapshotClass for ${provisioner} if it supports snapshots, then set ${vscKey})`,
          { setting: scKey },
        );
      }
      throw invalidArgument(
        `${vscKey} is not set and driver ${provisioner} has ${forDriver.length} VolumeSnapshotClasses but not exactly one default (${forDriver.map((c) => c.metadata!.name).join(', ')}): set ${vscKey}`,
        { setting: vscKey },
      );
    }
    return { storageClass: sc, snapshotClass: chosen.metadata!.name! };
  }

  private async ensureNamespace(): Promise<void> {
    const { core } = await this.kube();
    const name = this.namespace;
    if (await maybe(`read namespace ${name}`, () => core.readNamespace({ name }))) return;
    try {
      await core.createNamespace({
        body: { metadata: { name, labels: { [TAG.managedBy]: MANAGED_BY_VALUE } } },
      });
    } catch (err) {
      const e = driverError(err, `create namespace ${name}`);
      if (e.code !== 'Conflict') throw e;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Zones

  private async nodes(): Promise<V1Node[]> {
    const { core } = await this.kube();
    return (await call('list nodes', () => core.listNode())).items;
  }

  private zonesOf(nodes: V1Node[]): ZoneInfo[] {
    const zones = new Map<string, ZoneInfo>();
    for (const n of nodes) {
      const zone = n.metadata?.labels?.[ZONE_LABEL];
      if (!zone || zones.has(zone)) continue;
      const region = n.metadata?.labels?.[REGION_LABEL] || NO_REGION;
      zones.set(zone, { kom: zone, provider: zone, topology: zone, region });
    }
    return [...zones.values()].sort((a, b) => a.kom.localeCompare(b.kom));
  }

  async listRegions(): Promise<RegionInfo[]> {
    const regions = new Map<string, RegionInfo>();
    for (const z of this.zonesOf(await this.nodes())) {
      const r = regions.get(z.region) ?? { name: z.region, zones: [] };
      r.zones.push(z);
      regions.set(z.region, r);
    }
    return [...regions.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async resolveZone(zone: string): Promise<ZoneInfo> {
    return this.resolveIn(zone, await this.nodes());
  }

  /** Zonal disks in the zones the cluster's nodes are in; the StorageClass decides everything else. */
  async diskOffering(req: { region?: string; options?: DiskOptions }): Promise<DiskOffering> {
    if (req.options?.zoneRedundant === true) {
      throw new DriverError('Unsupported', 'the k3s provider has no zone-redundant disks');
    }
    const regions = await this.listRegions();
    const region = req.region === undefined ? regions[0] : regions.find((r) => r.name === req.region);
    if (region === undefined) {
      throw invalidArgument(
        regions.length === 0
          ? `the cluster's nodes carry no ${ZONE_LABEL} label, so disks have no zone to go to`
          : `unknown region "${req.region}" (the nodes' regions: ${regions.map((r) => r.name).join(', ')})`,
        { reason: 'region' },
      );
    }
    return { region: region.name, zoneRedundant: false, zones: region.zones };
  }

  private resolveIn(zone: string, nodes: V1Node[]): ZoneInfo {
    const zones = this.zonesOf(nodes);
    const found = zones.find((z) => z.kom === zone || z.provider === zone || z.topology === zone);
    if (found === undefined) {
      throw invalidArgument(
        zones.length === 0
          ? `zone "${zone}": the cluster's nodes carry no ${ZONE_LABEL} label`
          : `unknown zone "${zone}" (the nodes' zones: ${zones.map((z) => z.kom).join(', ')})`,
        { reason: 'zone' },
      );
    }
    return { ...found };
  }

  /** A Ready node to provision on: in `zone` when given; nodes whose CSINode has the driver first. */
  private async provisioningNode(
    nodes: V1Node[],
    zone: string | undefined,
    driver: string,
  ): Promise<string | undefined> {
    const { storage } = await this.kube();
    const csiNodes = (await call('list CSINodes', () => storage.listCSINode())).items;
    const withDriver = new Set(
      csiNodes
        .filter((c) => (c.spec?.drivers ?? []).some((d) => d.name === driver))
        .map((c) => c.metadata?.name),
    );
    const candidates = nodes
      .filter((n) => nodeReady(n) && (zone === undefined || n.metadata?.labels?.[ZONE_LABEL] === zone))
      .map((n) => n.metadata!.name!)
      .sort((a, b) => Number(withDriver.has(b)) - Number(withDriver.has(a)) || a.localeCompare(b));
    return candidates[0];
  }

  // -------------------------------------------------------------------------------------------
  // Disks

  private diskHandle(ref: DiskRef): OperationHandle<'createDisk'> {
    return this.handle('createDisk', `disk:${ref.app}/${ref.volume}/${ref.name}`, { ...ref });
  }

  private async claimByKey(
    ref: { app: string; volume: string },
    digest: string,
  ): Promise<V1PersistentVolumeClaim | undefined> {
    const { core } = await this.kube();
    const list = await maybe('list claims', () =>
      core.listNamespacedPersistentVolumeClaim({
        namespace: this.namespace,
        labelSelector: this.selector(ref, { [TAG.operationKey]: digest }),
      }),
    );
    return list?.items[0];
  }

  async beginCreateDisk(req: CreateDiskRequest): Promise<OperationHandle<'createDisk'>> {
    checkName('app', req.app);
    checkName('volume', req.volume);
    validateIdempotencyKey(req.idempotencyKey);
    if (!Number.isSafeInteger(req.sizeBytes) || req.sizeBytes <= 0) {
      throw invalidArgument(`disk size must be a positive whole number of bytes, got ${req.sizeBytes}`);
    }
    if (req.options?.zoneRedundant === true) {
      throw new DriverError('Unsupported', 'the k3s provider has no zone-redundant disks');
    }
    const name = req.name ?? `d${keyName(req.idempotencyKey, 11)}`;
    checkName('disk name', name);
    const userTags = checkUserTags(req.tags);
    const digest = keyDigest(req.idempotencyKey);
    const source = req.source ?? { kind: 'empty' };
    const ref = { app: req.app, volume: req.volume };
    const requestHash = requestFingerprint({
      ...ref,
      name,
      zone: req.zone,
      size: req.sizeBytes,
      source,
      options: req.options ?? {},
      tags: userTags,
      assigned: req.assigned === true,
    });
    // Bad settings are refused before anything is looked up or created.
    const classes = await this.classes();
    const { core, custom } = await this.kube();

    const earlier = await this.claimByKey(ref, digest);
    if (earlier !== undefined) {
      if (earlier.metadata?.annotations?.[ANN.requestHash] !== requestHash) {
        throw new DriverError(
          'Conflict',
          `idempotency key ${req.idempotencyKey} was used for a different disk request`,
          { details: { reason: 'fingerprint' } },
        );
      }
      return this.diskHandle({ ...ref, name: earlier.metadata?.annotations?.[ANN.name] ?? name });
    }
    const claimName = objectName(req.app, req.volume, name);
    if (
      await maybe(`read claim ${claimName}`, () =>
        core.readNamespacedPersistentVolumeClaim({ namespace: this.namespace, name: claimName }),
      )
    ) {
      throw new DriverError('AlreadyExists', `disk ${req.app}/${req.volume}/${name} already exists`);
    }

    const nodes = await this.nodes();
    const zones = this.zonesOf(nodes);
    // No zone asked for: the first zone (by name) with a Ready node, as a scheduler would pick one.
    const zone =
      req.zone !== undefined
        ? this.resolveIn(req.zone, nodes)
        : zones.find((z) =>
            nodes.some((n) => nodeReady(n) && n.metadata?.labels?.[ZONE_LABEL] === z.topology),
          );
    const provisioner = classes.storageClass.provisioner;
    const waitForConsumer = classes.storageClass.volumeBindingMode === 'WaitForFirstConsumer';
    let selectedNode: string | undefined;
    if (waitForConsumer || req.zone !== undefined) {
      selectedNode = await this.provisioningNode(nodes, zone?.topology, provisioner);
      if (selectedNode === undefined) {
        throw new DriverError(
          'Transient',
          `no Ready node${zone ? ` in zone ${zone.kom}` : ''} to provision disk ${name} on`,
          { details: { reason: 'no-node' } },
        );
      }
    }

    let dataSource: V1TypedLocalObjectReference | undefined;
    let size = req.sizeBytes;
    let sourceRecord: Disk['source'];
    if (source.kind === 'snapshot') {
      const snapName = objectName(req.app, req.volume, source.name);
      const vs = (await maybe(`read VolumeSnapshot ${snapName}`, () =>
        custom.getNamespacedCustomObject({
          ...SNAP,
          namespace: this.namespace,
          plural: 'volumesnapshots',
          name: snapName,
        }),
      )) as VolumeSnapshotObject | undefined;
      if (vs === undefined || vs.metadata?.deletionTimestamp)
        throw notFound(`snapshot ${req.app}/${req.volume}/${source.name}`);
      if (vs.status?.readyToUse !== true)
        throw new DriverError('Conflict', `snapshot ${source.name} is not ready yet`);
      size = Math.max(size, quantityBytes(vs.status.restoreSize) ?? 0);
      dataSource = { apiGroup: SNAP.group, kind: 'VolumeSnapshot', name: snapName };
      sourceRecord = { kind: 'snapshot', name: source.name, handle: snapName };
    } else if (source.kind === 'disk') {
      throw new DriverError(
        'Unsupported',
        'the k3s provider does not clone disks: snapshot the source disk and create the disk from the snapshot',
      );
    } else if (source.kind === 'provider') {
      throw new DriverError('Unsupported', 'the k3s provider cannot import provider resources');
    }

    await this.ensureNamespace();
    const now = new Date().toISOString();
    const body: V1PersistentVolumeClaim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: claimName,
        namespace: this.namespace,
        labels: tagsToWrite({
          ...userTags,
          ...systemTags(this.ctx, ref, TAG.diskName, name, digest),
          [TAG.assigned]: assignedTagValue(req.assigned === true),
        }),
        annotations: {
          [ANN.app]: req.app,
          [ANN.volume]: req.volume,
          [ANN.name]: name,
          [ANN.requestHash]: requestHash,
          [ANN.options]: JSON.stringify(req.options ?? {}),
          [ANN.updatedAt]: now,
          ...(zone ? { [ANN.zone]: zone.topology, [ANN.region]: zone.region } : {}),
          ...(sourceRecord ? { [ANN.source]: JSON.stringify(sourceRecord) } : {}),
          ...(selectedNode ? { [SELECTED_NODE]: selectedNode } : {}),
        },
      },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: classes.storageClass.metadata!.name!,
        resources: { requests: { storage: String(size) } },
        ...(dataSource ? { dataSource } : {}),
      },
    };
    try {
      await core.createNamespacedPersistentVolumeClaim({ namespace: this.namespace, body });
    } catch (err) {
      const e = driverError(err, `create claim ${claimName}`);
      if (e.code !== 'Conflict') throw e;
      // Lost race with a retry of the same operation (same key: same disk) or another one.
      const again = await this.claimByKey(ref, digest);
      if (again === undefined)
        throw new DriverError('AlreadyExists', `disk ${req.app}/${req.volume}/${name} already exists`);
    }
    return this.diskHandle({ ...ref, name });
  }

  private async readClaim(ref: DiskRef): Promise<V1PersistentVolumeClaim | undefined> {
    const { core } = await this.kube();
    const name = objectName(ref.app, ref.volume, ref.name);
    return maybe(`read claim ${name}`, () =>
      core.readNamespacedPersistentVolumeClaim({ namespace: this.namespace, name }),
    );
  }

  /**
   * The claim's bound PV, patched to reclaim Retain (and labelled like the claim) if it is not
   * yet: a disk counts as ready only once losing its claim cannot lose its data.
   */
  private async settlePv(
    pvc: V1PersistentVolumeClaim,
    known?: Map<string, V1PersistentVolume>,
  ): Promise<V1PersistentVolume | undefined> {
    const pvName = pvc.spec?.volumeName;
    if (!pvName || pvc.status?.phase !== 'Bound') return undefined;
    const { core } = await this.kube();
    let pv =
      known?.get(pvName) ??
      (await maybe(`read PV ${pvName}`, () => core.readPersistentVolume({ name: pvName })));
    if (pv === undefined || pvc.metadata?.deletionTimestamp) return pv;
    if (pv.spec?.persistentVolumeReclaimPolicy !== 'Retain') {
      pv = await call(`set PV ${pvName} to Retain`, () =>
        core.patchPersistentVolume(
          {
            name: pvName,
            body: {
              metadata: { labels: pvc.metadata?.labels ?? {} },
              spec: { persistentVolumeReclaimPolicy: 'Retain' },
            },
          },
          MERGE,
        ),
      );
    }
    return pv;
  }

  private toDisk(pvc: V1PersistentVolumeClaim, pv: V1PersistentVolume | undefined): Disk {
    const ann = pvc.metadata?.annotations ?? {};
    const labels = pvc.metadata?.labels ?? {};
    const terms = pv?.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
    const exprs = terms.flatMap((t) => t.matchExpressions ?? []);
    const zoneExpr = exprs.find((e) => e.key === ZONE_LABEL && e.operator === 'In');
    const regionExpr = exprs.find((e) => e.key === REGION_LABEL && e.operator === 'In');
    const topo = zoneExpr ?? exprs.find((e) => e.operator === 'In' && (e.values?.length ?? 0) > 0);
    const csi = pv?.spec?.csi;
    const bound = pvc.status?.phase === 'Bound' && pv !== undefined;
    const state: Disk['state'] = pvc.metadata?.deletionTimestamp
      ? 'deleting'
      : pvc.status?.phase === 'Lost'
        ? 'failed'
        : bound && pv.spec?.persistentVolumeReclaimPolicy === 'Retain'
          ? 'ready'
          : 'creating';
    let userOptions: DiskOptions = {};
    try {
      userOptions = JSON.parse(ann[ANN.options] ?? '{}') as DiskOptions;
    } catch {
      userOptions = {};
    }
    const pvFacts: DiskOptions = {};
    if (csi) {
      pvFacts[OPT.csiDriver] = csi.driver;
      if (csi.fsType) pvFacts[OPT.csiFsType] = csi.fsType;
      pvFacts[OPT.csiVolumeAttributes] = JSON.stringify(csi.volumeAttributes ?? {});
      pvFacts[OPT.volumeMode] = pv?.spec?.volumeMode ?? 'Filesystem';
      if (topo?.values?.length) {
        pvFacts[OPT.topologyKey] = topo.key;
        pvFacts[OPT.topologyValues] = topo.values.join(',');
      }
    }
    const createdAt = iso(pvc.metadata?.creationTimestamp);
    let source: Disk['source'];
    const sourceJson = ann[ANN.source];
    if (sourceJson) {
      try {
        source = JSON.parse(sourceJson) as Disk['source'];
      } catch {
        source = undefined;
      }
    }
    return {
      name: ann[ANN.name] ?? labels[TAG.diskName] ?? '',
      volumeName: ann[ANN.volume] ?? labels[TAG.volume] ?? '',
      appName: ann[ANN.app] ?? labels[TAG.app] ?? '',
      assigned: isAssignedTag(labels),
      size:
        quantityBytes(pvc.status?.capacity?.storage) ??
        quantityBytes(pv?.spec?.capacity?.storage) ??
        quantityBytes(pvc.spec?.resources?.requests?.storage) ??
        0,
      zone: zoneExpr?.values?.[0] ?? ann[ANN.zone] ?? '',
      zones: [zoneExpr?.values?.[0] ?? ann[ANN.zone] ?? ''].filter((z) => z !== ''),
      region: regionExpr?.values?.[0] ?? ann[ANN.region] ?? '',
      zoneRedundant: false,
      handle: csi?.volumeHandle ?? '',
      state,
      createdAt,
      updatedAt: ann[ANN.updatedAt] ?? createdAt,
      options: { ...userOptions, ...pvFacts },
      tags: { ...labels },
      ...(source ? { source } : {}),
    };
  }

  private async settledDisk(ref: DiskRef): Promise<{ pvc: V1PersistentVolumeClaim; disk: Disk } | undefined> {
    const pvc = await this.readClaim(ref);
    if (pvc === undefined) return undefined;
    return { pvc, disk: this.toDisk(pvc, await this.settlePv(pvc)) };
  }

  async getDisk(ref: DiskRef): Promise<Disk> {
    const found = await this.settledDisk(ref);
    if (found === undefined) throw notFound(`disk ${ref.app}/${ref.volume}/${ref.name}`);
    return found.disk;
  }

  async listDisks(filter: VolumeFilter): Promise<Disk[]> {
    const { core } = await this.kube();
    const list = await maybe('list claims', () =>
      core.listNamespacedPersistentVolumeClaim({
        namespace: this.namespace,
        labelSelector: this.selector(filter),
      }),
    );
    const pvcs = list?.items ?? [];
    const pvs = new Map<string, V1PersistentVolume>();
    if (pvcs.length > 1) {
      for (const pv of (await call('list PVs', () => core.listPersistentVolume())).items)
        pvs.set(pv.metadata!.name!, pv);
    }
    const out: Disk[] = [];
    for (const pvc of pvcs) {
      const disk = this.toDisk(pvc, await this.settlePv(pvc, pvs));
      if (tagsMatch(disk.tags, filter.tags ?? {})) out.push(disk);
    }
    return out.sort(newestFirst);
  }

  async beginDeleteDisk(ref: DiskRef): Promise<OperationHandle<'deleteDisk'>> {
    const claimName = objectName(ref.app, ref.volume, ref.name);
    const found = await this.settledDisk(ref);
    const pvName = found?.pvc.spec?.volumeName ?? '';
    const op = this.handle('deleteDisk', `disk:${ref.app}/${ref.volume}/${ref.name}`, { ...ref, pv: pvName });
    if (found === undefined || found.disk.state === 'deleting') return op;
    if (found.disk.assigned) {
      throw assignedDiskInUse(ref);
    }
    const attachments = await this.attachmentsOf(found.disk);
    if (attachments.length > 0) {
      throw attachedDiskInUse(
        ref,
        attachments.map((a) => a.instanceId),
      );
    }
    const { core } = await this.kube();
    if (pvName) {
      await maybe(`set PV ${pvName} to Delete`, () =>
        core.patchPersistentVolume(
          { name: pvName, body: { spec: { persistentVolumeReclaimPolicy: 'Delete' } } },
          MERGE,
        ),
      );
    }
    await maybe(`delete claim ${claimName}`, () =>
      core.deleteNamespacedPersistentVolumeClaim({ namespace: this.namespace, name: claimName }),
    );
    return op;
  }

  async beginResizeDisk(ref: DiskRef, sizeBytes: number): Promise<OperationHandle<'resizeDisk'>> {
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0)
      throw invalidArgument(`disk size must be a positive whole number of bytes, got ${sizeBytes}`);
    const disk = await this.getDisk(ref);
    if (sizeBytes < disk.size)
      throw invalidArgument(`disk ${ref.name} has ${disk.size} bytes; disks can only grow`);
    const op = this.handle('resizeDisk', `disk:${ref.app}/${ref.volume}/${ref.name}`, {
      ...ref,
      sizeBytes,
    });
    if (sizeBytes === disk.size) return op;
    const { core, storage } = await this.kube();
    const pvc = (await this.readClaim(ref))!;
    const scName = pvc.spec?.storageClassName ?? '';
    const sc = await maybe(`read StorageClass ${scName}`, () => storage.readStorageClass({ name: scName }));
    if (sc?.allowVolumeExpansion !== true) {
      throw new DriverError(
        'Unsupported',
        `StorageClass ${scName} does not allow volume expansion (allowVolumeExpansion is not true)`,
      );
    }
    await call(`resize claim ${pvc.metadata!.name}`, () =>
      core.patchNamespacedPersistentVolumeClaim(
        {
          namespace: this.namespace,
          name: pvc.metadata!.name!,
          body: { spec: { resources: { requests: { storage: String(sizeBytes) } } } },
        },
        MERGE,
      ),
    );
    return op;
  }

  /** Tags are labels: on the claim and its PV for a disk, on the VolumeSnapshot for a snapshot. */
  async updateTags(resource: TaggedResource, change: TagChange): Promise<Tags> {
    const { core, custom } = await this.kube();
    // A merge patch removes a label given as null.
    const next = applyTagChange({}, change);
    const labels: Record<string, string | null> = {
      ...Object.fromEntries((change.remove ?? []).map((k) => [k, null])),
      ...next,
    };
    const body = { metadata: { labels, annotations: { [ANN.updatedAt]: new Date().toISOString() } } };
    const ref = resource.ref;
    if (resource.kind === 'snapshot') {
      const vs = await this.readVolumeSnapshot(ref);
      if (vs === undefined || vs.metadata?.deletionTimestamp)
        throw notFound(`snapshot ${ref.app}/${ref.volume}/${ref.name}`);
      const patched = (await call(`label VolumeSnapshot ${vs.metadata!.name}`, () =>
        custom.patchNamespacedCustomObject(
          { ...SNAP, namespace: this.namespace, plural: 'volumesnapshots', name: vs.metadata!.name!, body },
          MERGE,
        ),
      )) as VolumeSnapshotObject;
      return { ...patched.metadata?.labels };
    }
    const pvc = await this.readClaim(ref);
    if (pvc === undefined || pvc.metadata?.deletionTimestamp)
      throw notFound(`disk ${ref.app}/${ref.volume}/${ref.name}`);
    const patched = await call(`label claim ${pvc.metadata!.name}`, () =>
      core.patchNamespacedPersistentVolumeClaim(
        { namespace: this.namespace, name: pvc.metadata!.name!, body },
        MERGE,
      ),
    );
    const pvName = patched.spec?.volumeName;
    if (pvName) {
      await maybe(`label PV ${pvName}`, () =>
        core.patchPersistentVolume({ name: pvName, body: { metadata: { labels } } }, MERGE),
      );
    }
    return { ...patched.metadata?.labels };
  }

  async setDiskAssigned(ref: DiskRef, assigned: boolean): Promise<Disk> {
    const { core } = await this.kube();
    const pvc = await this.readClaim(ref);
    if (pvc === undefined || pvc.metadata?.deletionTimestamp)
      throw notFound(`disk ${ref.app}/${ref.volume}/${ref.name}`);
    const patched = await call(`label claim ${pvc.metadata!.name}`, () =>
      core.patchNamespacedPersistentVolumeClaim(
        {
          namespace: this.namespace,
          name: pvc.metadata!.name!,
          body: {
            metadata: {
              labels: { [TAG.assigned]: assignedTagValue(assigned) },
              annotations: { [ANN.updatedAt]: new Date().toISOString() },
            },
          },
        },
        MERGE,
      ),
    );
    // The PV carries the claim's labels too (settlePv): keep its assigned label in step.
    const pvName = patched.spec?.volumeName;
    if (pvName) {
      await maybe(`label PV ${pvName}`, () =>
        core.patchPersistentVolume(
          { name: pvName, body: { metadata: { labels: { [TAG.assigned]: assignedTagValue(assigned) } } } },
          MERGE,
        ),
      );
    }
    return this.toDisk(patched, await this.settlePv(patched));
  }

  /** VolumeAttachments of any PV with the disk's driver and handle (the app's static PV included). */
  private async attachmentsOf(disk: Disk): Promise<Attachment[]> {
    if (disk.handle === '') return [];
    const { core, storage } = await this.kube();
    const driver = String(disk.options[OPT.csiDriver] ?? '');
    const pvNames = new Set(
      (await call('list PVs', () => core.listPersistentVolume())).items
        .filter((pv) => pv.spec?.csi?.volumeHandle === disk.handle && pv.spec.csi.driver === driver)
        .map((pv) => pv.metadata!.name!),
    );
    const vas = (await call('list VolumeAttachments', () => storage.listVolumeAttachment())).items;
    return vas
      .filter((va) => pvNames.has(va.spec.source.persistentVolumeName ?? ''))
      .map((va) => ({
        instanceId: va.spec.nodeName,
        nodeName: va.spec.nodeName,
        state: va.metadata?.deletionTimestamp
          ? ('detaching' as const)
          : va.status?.attached
            ? ('attached' as const)
            : ('attaching' as const),
      }))
      .sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  }

  async listAttachments(ref: DiskRef): Promise<Attachment[]> {
    return this.attachmentsOf(await this.getDisk(ref));
  }

  beginForceDetach(_req: ForceDetachRequest): Promise<OperationHandle<'forceDetach'>> {
    return Promise.reject(
      new DriverError(
        'Unsupported',
        'a generic CSI disk has no detach call: taint the dead node with node.kubernetes.io/out-of-service=nodeshutdown:NoExecute and the attach/detach controller force-detaches it',
        { details: { reason: 'out-of-service-taint' } },
      ),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Snapshots

  private snapshotHandle(kind: 'createSnapshot', ref: SnapshotRef): OperationHandle<'createSnapshot'> {
    return this.handle(kind, `snapshot:${ref.app}/${ref.volume}/${ref.name}`, { ...ref });
  }

  private async listVolumeSnapshots(labelSelector: string): Promise<VolumeSnapshotObject[]> {
    const { custom } = await this.kube();
    const list = (await maybe('list VolumeSnapshots', () =>
      custom.listNamespacedCustomObject({
        ...SNAP,
        namespace: this.namespace,
        plural: 'volumesnapshots',
        labelSelector,
      }),
    )) as { items?: VolumeSnapshotObject[] } | undefined;
    return list?.items ?? [];
  }

  private async readVolumeSnapshot(ref: SnapshotRef): Promise<VolumeSnapshotObject | undefined> {
    const { custom } = await this.kube();
    const name = objectName(ref.app, ref.volume, ref.name);
    return (await maybe(`read VolumeSnapshot ${name}`, () =>
      custom.getNamespacedCustomObject({
        ...SNAP,
        namespace: this.namespace,
        plural: 'volumesnapshots',
        name,
      }),
    )) as VolumeSnapshotObject | undefined;
  }

  async beginCreateSnapshot(req: CreateSnapshotRequest): Promise<OperationHandle<'createSnapshot'>> {
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
    const classes = await this.classes();
    const { custom } = await this.kube();

    const earlier = (await this.listVolumeSnapshots(this.selector(ref, { [TAG.operationKey]: digest })))[0];
    if (earlier !== undefined) {
      if (earlier.metadata?.annotations?.[ANN.requestHash] !== requestHash) {
        throw new DriverError(
          'Conflict',
          `idempotency key ${req.idempotencyKey} was used for a different snapshot request`,
          { details: { reason: 'fingerprint' } },
        );
      }
      return this.snapshotHandle('createSnapshot', {
        ...ref,
        name: earlier.metadata?.annotations?.[ANN.name] ?? name,
      });
    }
    if (await this.readVolumeSnapshot({ ...ref, name })) {
      throw new DriverError('AlreadyExists', `snapshot ${req.app}/${req.volume}/${name} already exists`);
    }
    const disk = await this.snapshotSourceDisk(req);
    const vsName = objectName(req.app, req.volume, name);
    const body: VolumeSnapshotObject & { apiVersion: string; kind: string } = {
      apiVersion: `${SNAP.group}/${SNAP.version}`,
      kind: 'VolumeSnapshot',
      metadata: {
        name: vsName,
        labels: tagsToWrite({ ...userTags, ...systemTags(this.ctx, ref, TAG.snapshotName, name, digest) }),
        annotations: {
          [ANN.app]: req.app,
          [ANN.volume]: req.volume,
          [ANN.name]: name,
          [ANN.requestHash]: requestHash,
          [ANN.sourceDisk]: disk.name,
          [ANN.sourceDiskHandle]: disk.handle,
          [ANN.region]: disk.region,
          [ANN.updatedAt]: new Date().toISOString(),
        },
      },
      spec: {
        volumeSnapshotClassName: classes.snapshotClass,
        source: { persistentVolumeClaimName: objectName(req.app, req.volume, disk.name) },
      },
    };
    try {
      await custom.createNamespacedCustomObject({
        ...SNAP,
        namespace: this.namespace,
        plural: 'volumesnapshots',
        body,
      });
    } catch (err) {
      const e = driverError(err, `create VolumeSnapshot ${vsName}`);
      if (e.code !== 'Conflict') throw e;
      const again = await this.listVolumeSnapshots(this.selector(ref, { [TAG.operationKey]: digest }));
      if (again.length === 0)
        throw new DriverError('AlreadyExists', `snapshot ${req.app}/${req.volume}/${name} already exists`);
    }
    return this.snapshotHandle('createSnapshot', { ...ref, name });
  }

  private async snapshotSourceDisk(req: CreateSnapshotRequest): Promise<Disk> {
    if (req.disk !== undefined) {
      const disk = await this.getDisk({ app: req.app, volume: req.volume, name: req.disk });
      if (disk.state !== 'ready')
        throw new DriverError('Conflict', `disk ${req.disk} is ${disk.state}, not ready`);
      return disk;
    }
    const assigned = (await this.listDisks({ app: req.app, volume: req.volume })).filter(
      (d) => d.state === 'ready' && d.assigned,
    );
    return soleAssignedDisk(req, assigned);
  }

  /** The snapshot's content, patched to deletionPolicy Retain once it exists. */
  private async settleContent(
    vs: VolumeSnapshotObject,
    known?: Map<string, SnapshotContentObject>,
  ): Promise<SnapshotContentObject | undefined> {
    const name = vs.status?.boundVolumeSnapshotContentName;
    if (!name) return undefined;
    const { custom } = await this.kube();
    let content =
      known?.get(name) ??
      ((await maybe(`read VolumeSnapshotContent ${name}`, () =>
        custom.getClusterCustomObject({ ...SNAP, plural: 'volumesnapshotcontents', name }),
      )) as SnapshotContentObject | undefined);
    if (content === undefined || vs.metadata?.deletionTimestamp) return content;
    if (content.spec?.deletionPolicy !== 'Retain') {
      content = (await call(`set VolumeSnapshotContent ${name} to Retain`, () =>
        custom.patchClusterCustomObject(
          {
            ...SNAP,
            plural: 'volumesnapshotcontents',
            name,
            body: { spec: { deletionPolicy: 'Retain' } },
          },
          MERGE,
        ),
      )) as SnapshotContentObject;
    }
    return content;
  }

  private toSnapshot(vs: VolumeSnapshotObject, content: SnapshotContentObject | undefined): Snapshot {
    const ann = vs.metadata?.annotations ?? {};
    const labels = vs.metadata?.labels ?? {};
    const retained = content?.spec?.deletionPolicy === 'Retain';
    const ready = vs.status?.readyToUse === true && retained;
    const createdAt = iso(vs.metadata?.creationTimestamp);
    return {
      name: ann[ANN.name] ?? labels[TAG.snapshotName] ?? '',
      volumeName: ann[ANN.volume] ?? labels[TAG.volume] ?? '',
      appName: ann[ANN.app] ?? labels[TAG.app] ?? '',
      size: quantityBytes(vs.status?.restoreSize) ?? content?.status?.restoreSize ?? 0,
      region: ann[ANN.region] ?? '',
      handle: content?.status?.snapshotHandle ?? '',
      state: vs.metadata?.deletionTimestamp ? 'deleting' : ready ? 'ready' : 'creating',
      ready,
      incremental: false,
      createdAt,
      updatedAt: ann[ANN.updatedAt] ?? createdAt,
      sourceDisk: { name: ann[ANN.sourceDisk] ?? '', handle: ann[ANN.sourceDiskHandle] ?? '' },
      tags: { ...labels },
    };
  }

  async getSnapshot(ref: SnapshotRef): Promise<Snapshot> {
    const vs = await this.readVolumeSnapshot(ref);
    if (vs === undefined) throw notFound(`snapshot ${ref.app}/${ref.volume}/${ref.name}`);
    return this.toSnapshot(vs, await this.settleContent(vs));
  }

  async listSnapshots(filter: VolumeFilter): Promise<Snapshot[]> {
    const { custom } = await this.kube();
    const vss = await this.listVolumeSnapshots(this.selector(filter));
    const contents = new Map<string, SnapshotContentObject>();
    if (vss.length > 1) {
      const list = (await call('list VolumeSnapshotContents', () =>
        custom.listClusterCustomObject({ ...SNAP, plural: 'volumesnapshotcontents' }),
      )) as { items?: SnapshotContentObject[] };
      for (const c of list.items ?? []) contents.set(c.metadata?.name ?? '', c);
    }
    const out: Snapshot[] = [];
    for (const vs of vss) {
      const snap = this.toSnapshot(vs, await this.settleContent(vs, contents));
      if (tagsMatch(snap.tags, filter.tags ?? {})) out.push(snap);
    }
    return out.sort(newestFirst);
  }

  async beginDeleteSnapshot(ref: SnapshotRef): Promise<OperationHandle<'deleteSnapshot'>> {
    const vsName = objectName(ref.app, ref.volume, ref.name);
    const vs = await this.readVolumeSnapshot(ref);
    const contentName = vs?.status?.boundVolumeSnapshotContentName ?? '';
    const op = this.handle('deleteSnapshot', `snapshot:${ref.app}/${ref.volume}/${ref.name}`, {
      ...ref,
      content: contentName,
    });
    if (vs === undefined || vs.metadata?.deletionTimestamp) return op;
    const { core, custom } = await this.kube();
    const readers = (
      await call('list claims', () => core.listNamespacedPersistentVolumeClaim({ namespace: this.namespace }))
    ).items.filter(
      (c) =>
        c.status?.phase !== 'Bound' &&
        c.spec?.dataSource?.kind === 'VolumeSnapshot' &&
        c.spec.dataSource.name === vsName,
    );
    if (readers.length > 0) {
      throw new DriverError(
        'InUse',
        `snapshot ${ref.name} is being read by disk ${readers.map((c) => c.metadata?.annotations?.[ANN.name] ?? c.metadata?.name).join(', ')}`,
        { details: { reason: 'source' } },
      );
    }
    if (contentName) {
      await maybe(`set VolumeSnapshotContent ${contentName} to Delete`, () =>
        custom.patchClusterCustomObject(
          {
            ...SNAP,
            plural: 'volumesnapshotcontents',
            name: contentName,
            body: { spec: { deletionPolicy: 'Delete' } },
          },
          MERGE,
        ),
      );
    }
    await maybe(`delete VolumeSnapshot ${vsName}`, () =>
      custom.deleteNamespacedCustomObject({
        ...SNAP,
        namespace: this.namespace,
        plural: 'volumesnapshots',
        name: vsName,
      }),
    );
    return op;
  }

  beginCopySnapshot(_req: CopySnapshotRequest): Promise<OperationHandle<'copySnapshot'>> {
    return Promise.reject(
      new DriverError(
        'Unsupported',
        'the k3s provider cannot copy snapshots to another region: VolumeSnapshots live in one cluster',
      ),
    );
  }

  // -------------------------------------------------------------------------------------------
  // PV source and fencing

  pvSource(disk: Disk): PvSource {
    const driver = disk.options[OPT.csiDriver];
    if (typeof driver !== 'string' || disk.handle === '') {
      throw new DriverError(
        'Conflict',
        `disk ${disk.appName}/${disk.volumeName}/${disk.name} has no bound CSI volume yet (state ${disk.state})`,
      );
    }
    let volumeAttributes: Record<string, string> = {};
    try {
      volumeAttributes = JSON.parse(String(disk.options[OPT.csiVolumeAttributes] ?? '{}')) as Record<
        string,
        string
      >;
    } catch {
      volumeAttributes = {};
    }
    const fsType = disk.options[OPT.csiFsType];
    const key = disk.options[OPT.topologyKey];
    const values = disk.options[OPT.topologyValues];
    return {
      volumeHandle: disk.handle,
      capacityBytes: disk.size,
      accessModes: ['ReadWriteOnce'],
      volumeMode: disk.options[OPT.volumeMode] === 'Block' ? 'Block' : 'Filesystem',
      // No storageClassName: the app's PV is static and binds only to its own claim.
      csi: { driver, volumeAttributes, ...(typeof fsType === 'string' ? { fsType } : {}) },
      ...(typeof key === 'string' && typeof values === 'string' && values !== ''
        ? { topology: { key, values: values.split(',') } }
        : {}),
    };
  }

  beginFenceNode(_req: FenceRequest): Promise<OperationHandle<'fenceNode'>> {
    return Promise.reject(
      new DriverError(
        'Unsupported',
        'the k3s provider cannot stop nodes: it knows no machines, only Kubernetes',
      ),
    );
  }

  getInstanceState(_ref: InstanceRef): Promise<InstanceState> {
    // Kubernetes knows nodes, not the machines behind them.
    return Promise.resolve('unknown');
  }

  // -------------------------------------------------------------------------------------------
  // Polling

  async poll<K extends OperationKind>(op: OperationHandle<K>): Promise<PollResult<K>> {
    if (op.provider !== K3S_DRIVER_NAME)
      throw invalidArgument(`operation of provider ${op.provider} given to k3s`);
    const s = op.pollState;
    const pending = (message?: string): PollResult<K> => ({
      done: false,
      op,
      ...(message ? { message } : {}),
    });
    const done = (result: unknown): PollResult<K> => ({ done: true, result }) as PollResult<K>;
    const ref = (): DiskRef => ({ app: str(s, 'app'), volume: str(s, 'volume'), name: str(s, 'name') });
    const { core, custom } = await this.kube();
    const kind: OperationKind = op.kind;
    switch (kind) {
      case 'createDisk': {
        const found = await this.settledDisk(ref());
        if (found === undefined || found.disk.state === 'deleting') throw notFound(`disk ${op.id}`);
        if (found.disk.state === 'failed')
          throw new DriverError('Corrupted', `disk ${op.id}: its claim lost its volume (phase Lost)`);
        return found.disk.state === 'ready'
          ? done(found.disk)
          : pending(`claim ${found.pvc.metadata?.name} is ${found.pvc.status?.phase ?? 'Pending'}`);
      }
      case 'resizeDisk': {
        const disk = await this.getDisk(ref());
        return disk.size >= Number(s.sizeBytes) ? done(disk) : pending('waiting for the volume to grow');
      }
      case 'deleteDisk': {
        const r = ref();
        const name = objectName(r.app, r.volume, r.name);
        const pvc = await maybe(`read claim ${name}`, () =>
          core.readNamespacedPersistentVolumeClaim({ namespace: this.namespace, name }),
        );
        // A new claim of the same name (not deleting) means this delete finished earlier.
        if (pvc !== undefined && pvc.metadata?.deletionTimestamp) return pending('claim is being deleted');
        const pvName = typeof s.pv === 'string' ? s.pv : '';
        if (pvName && pvc === undefined) {
          const pv = await maybe(`read PV ${pvName}`, () => core.readPersistentVolume({ name: pvName }));
          if (pv !== undefined) return pending(`PV ${pvName} is ${pv.status?.phase ?? 'being deleted'}`);
        }
        return done(null);
      }
      case 'createSnapshot':
      case 'copySnapshot': {
        const vs = await this.readVolumeSnapshot(ref());
        if (vs === undefined || vs.metadata?.deletionTimestamp) throw notFound(`snapshot ${op.id}`);
        const snap = this.toSnapshot(vs, await this.settleContent(vs));
        return snap.ready ? done(snap) : pending(vs.status?.error?.message ?? 'snapshot not ready yet');
      }
      case 'deleteSnapshot': {
        const vs = await this.readVolumeSnapshot(ref());
        if (vs !== undefined && vs.metadata?.deletionTimestamp)
          return pending('VolumeSnapshot is being deleted');
        const contentName = typeof s.content === 'string' ? s.content : '';
        if (contentName && vs === undefined) {
          const content = await maybe(`read VolumeSnapshotContent ${contentName}`, () =>
            custom.getClusterCustomObject({ ...SNAP, plural: 'volumesnapshotcontents', name: contentName }),
          );
          if (content !== undefined) return pending(`VolumeSnapshotContent ${contentName} is being deleted`);
        }
        return done(null);
      }
      case 'forceDetach':
      case 'fenceNode':
        throw new DriverError('Unsupported', `the k3s provider starts no ${kind} operations`);
    }
  }
}

export function createK3sDriver(ctx: DriverContext): K3sDriver {
  return new K3sDriver(ctx);
}
