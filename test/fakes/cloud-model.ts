// One in-memory cloud for the HTTP fakes of Azure, GCP and OCI (test/fakes/<cloud>/): disks,
// snapshots, machines and their attachments, zones and regions, and long operations that finish
// a configurable time after they start. Each protocol adapter maps its cloud's REST API onto it
// and turns its faults into that cloud's error replies. It stands in for clouds that have no
// emulator; AWS runs on moto.
//
// Time is read, never scheduled: an operation is done once its latency has passed, and every
// read settles what is due first. Faults come from a seeded generator, so a run repeats, plus a
// queue of named faults a test asks for (throttle the next create, deny one).

export type Fault = 'throttle' | 'transient' | 'denied';

/** When a random fault strikes: before the effect (refused), or after it (the reply is lost). */
export type FaultTiming = 'before' | 'after';

export interface CloudModelOptions {
  /** Regions and their zones, in the cloud's API spelling. */
  regions: { name: string; zones: string[] }[];
  /** Milliseconds a long operation of a kind stays in progress; `*` for the others. */
  latencyMs?: Partial<Record<LongOperationKind | '*', number>>;
  /** Share (0-1) of mutating calls that fail with a transient fault. */
  faultRate?: number;
  /** Seed of the fault generator. */
  seed?: number;
}

export type LongOperationKind =
  | 'createDisk'
  | 'deleteDisk'
  | 'resizeDisk'
  | 'createSnapshot'
  | 'deleteSnapshot'
  | 'copySnapshot'
  | 'attach'
  | 'detach'
  | 'stopInstance'
  | 'updateTags';

export type Tags = Record<string, string>;

export interface ModelDisk {
  id: string;
  name: string;
  region: string;
  /** One zone, or several for a zone-redundant disk. */
  zones: string[];
  sizeGiB: number;
  sku: string;
  tags: Tags;
  state: 'creating' | 'ready' | 'deleting';
  createdAt: string;
  sourceSnapshotId?: string;
  sourceDiskId?: string;
  /** Machine ids the disk is attached to. */
  attachedTo: string[];
}

export interface ModelSnapshot {
  id: string;
  name: string;
  region: string;
  sourceDiskId: string;
  sizeGiB: number;
  tags: Tags;
  state: 'creating' | 'ready' | 'deleting';
  incremental: boolean;
  createdAt: string;
  copiedFromId?: string;
}

export interface ModelMachine {
  id: string;
  name: string;
  zone: string;
  state: 'running' | 'stopped' | 'terminated';
}

export interface ModelOperation {
  id: string;
  kind: LongOperationKind;
  /** The resource the operation creates or changes. */
  targetId: string;
  region: string;
  zone?: string;
  startedAt: number;
  doneAt: number;
  status: 'running' | 'succeeded' | 'failed';
  error?: string;
}

/** One request as an adapter saw it, for tests that prove nothing was created twice. */
export interface LoggedRequest {
  method: string;
  path: string;
  /** The cloud's idempotency token, when the request carried one. */
  token?: string;
  status?: number;
}

export class CloudModel {
  readonly disks = new Map<string, ModelDisk>();
  readonly snapshots = new Map<string, ModelSnapshot>();
  readonly machines = new Map<string, ModelMachine>();
  readonly operations = new Map<string, ModelOperation>();
  readonly requests: LoggedRequest[] = [];
  private readonly effects = new Map<string, () => void>();
  private readonly tokens = new Map<string, unknown>();
  private readonly queued: { call: string; fault: Fault }[] = [];
  private ids = 0;
  private random: () => number;

  constructor(readonly options: CloudModelOptions) {
    this.random = seeded(options.seed ?? 1);
  }

  /** A fresh id with a cloud-like prefix. */
  newId(prefix: string): string {
    return `${prefix}${(++this.ids).toString(36).padStart(6, '0')}`;
  }

  regionOfZone(zone: string): string | undefined {
    return this.options.regions.find((r) => r.zones.includes(zone))?.name;
  }

  zonesOf(region: string): string[] | undefined {
    return this.options.regions.find((r) => r.name === region)?.zones;
  }

  /** Queues a fault for the next `times` calls named `call` (an adapter's name for the request). */
  inject(call: string, fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) this.queued.push({ call, fault });
  }

  clearFaults(): void {
    this.queued.length = 0;
  }

  /**
   * The fault for this call, if any: a queued one first (always before the effect), then a random
   * transient one for mutating calls, half of them after the effect (a lost reply).
   */
  faultFor(call: string, mutating: boolean): { fault: Fault; timing: FaultTiming } | undefined {
    const i = this.queued.findIndex((q) => q.call === call);
    if (i >= 0) return { fault: this.queued.splice(i, 1)[0]!.fault, timing: 'before' };
    const rate = this.options.faultRate ?? 0;
    if (!mutating || rate <= 0 || this.random() >= rate) return undefined;
    return { fault: 'transient', timing: this.random() < 0.5 ? 'before' : 'after' };
  }

  /** The result remembered for an idempotency token, or a new one made and remembered. */
  once<T>(token: string | undefined, make: () => T): T {
    if (token === undefined) return make();
    if (this.tokens.has(token)) return this.tokens.get(token) as T;
    const made = make();
    this.tokens.set(token, made);
    return made;
  }

  /** Starts a long operation whose `effect` runs once its latency has passed. */
  startOperation(
    kind: LongOperationKind,
    target: { id: string; region: string; zone?: string },
    effect: () => void,
  ): ModelOperation {
    const latency = this.options.latencyMs?.[kind] ?? this.options.latencyMs?.['*'] ?? 0;
    const now = Date.now();
    const op: ModelOperation = {
      id: this.newId('op-'),
      kind,
      targetId: target.id,
      region: target.region,
      ...(target.zone ? { zone: target.zone } : {}),
      startedAt: now,
      doneAt: now + latency,
      status: 'running',
    };
    this.operations.set(op.id, op);
    this.effects.set(op.id, effect);
    this.settle();
    return op;
  }

  /** Runs the effects of every operation whose time has come. Every read calls it first. */
  settle(): void {
    const now = Date.now();
    for (const op of this.operations.values()) {
      if (op.status !== 'running' || op.doneAt > now) continue;
      try {
        this.effects.get(op.id)?.();
        op.status = 'succeeded';
      } catch (err) {
        op.status = 'failed';
        op.error = (err as Error).message;
      }
      this.effects.delete(op.id);
    }
  }

  operation(id: string): ModelOperation | undefined {
    this.settle();
    return this.operations.get(id);
  }

  disk(id: string): ModelDisk | undefined {
    this.settle();
    return this.disks.get(id);
  }

  snapshot(id: string): ModelSnapshot | undefined {
    this.settle();
    return this.snapshots.get(id);
  }

  /** Disks or snapshots carrying every given tag. */
  tagged<T extends { tags: Tags }>(items: Map<string, T>, tags: Tags): T[] {
    this.settle();
    return [...items.values()].filter((x) => Object.entries(tags).every(([k, v]) => x.tags[k] === v));
  }

  addMachine(name: string, zone: string): ModelMachine {
    const machine: ModelMachine = { id: this.newId('vm-'), name, zone, state: 'running' };
    this.machines.set(machine.id, machine);
    return machine;
  }

  /** How many requests matched, e.g. the creates of one disk name. */
  count(match: (r: LoggedRequest) => boolean): number {
    return this.requests.filter(match).length;
  }
}

/** mulberry32: a small seeded generator, enough for repeatable fault draws. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
