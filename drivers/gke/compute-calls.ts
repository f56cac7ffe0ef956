// The gke driver's way to Compute Engine: one client per service (REST, made once per driver)
// sharing one Application Default Credentials object, every call's error mapped to a
// DriverError, bounded retries, label lookups, and the three operation scopes.
//
// Retries: the client library's own retry (up to 10 minutes for reads) is switched off per call;
// `call` makes at most `attempts` attempts with a growing pause on throttling and transient
// faults, then gives the error to the caller (an activity retries it later from its heartbeat).
// Every mutating call carries a requestId, which Compute Engine uses to answer a repeat with the
// first operation, so a retry after a lost reply never does the work twice.
import {
  DisksClient,
  GlobalOperationsClient,
  InstancesClient,
  RegionDisksClient,
  RegionOperationsClient,
  RegionsClient,
  SnapshotsClient,
  ZoneOperationsClient,
  type protos,
} from '@google-cloud/compute';
import { GoogleAuth } from 'google-auth-library';
import { DriverError } from '../errors';
import { type Tags } from '../tags';
import { tagValue } from '../tag-value';
import { mapGcpError } from './errors';
import { lastSegment } from './names';
import type { GkeSettings } from './settings';

export type GceDisk = protos.google.cloud.compute.v1.IDisk;
export type GceSnapshot = protos.google.cloud.compute.v1.ISnapshot;
export type GceOperation = protos.google.cloud.compute.v1.IOperation;
export type GceInstance = protos.google.cloud.compute.v1.IInstance;

/** Where an operation lives: its kind of scope and, unless global, the zone or region. */
export interface OperationScope {
  scope: 'zone' | 'region' | 'global';
  location: string;
}

export interface ComputeCallOptions {
  /** Attempts per call on throttling and transient faults (default 4). */
  attempts?: number;
  /** First pause between attempts; doubles each time (default 1 s). */
  backoffMs?: number;
  /** Client-side timeout of one HTTP attempt (default 60 s). */
  timeoutMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const COMPUTE_SCOPES = [
  'https://www.googleapis.com/auth/compute',
  'https://www.googleapis.com/auth/cloud-platform',
];

/** Compute Engine's filter for resources carrying every label (values as written: sanitised). */
export function labelFilter(tags: Tags): string {
  return Object.entries(tags)
    .map(([k, v]) => `(labels.${k} = "${tagValue(v)}")`)
    .join(' AND ');
}

export class ComputeCalls {
  readonly auth: GoogleAuth;
  readonly disks: DisksClient;
  readonly regionDisks: RegionDisksClient;
  readonly snapshots: SnapshotsClient;
  readonly instances: InstancesClient;
  readonly regionsClient: RegionsClient;
  readonly zoneOperations: ZoneOperationsClient;
  readonly regionOperations: RegionOperationsClient;
  readonly globalOperations: GlobalOperationsClient;
  private projectPromise?: Promise<string>;

  constructor(
    private readonly settings: GkeSettings,
    private readonly options: ComputeCallOptions = {},
  ) {
    // Application Default Credentials, as every Google client library finds them. No scopes of
    // our own: with a service account key the library then signs its own JWT for the Compute
    // audience (no token endpoint), as it does for the default endpoint.
    this.auth = new GoogleAuth();
    const endpoint = settings.endpoint;
    const clientOptions = {
      auth: this.auth,
      fallback: true,
      ...(endpoint === undefined
        ? {}
        : { apiEndpoint: endpoint.host, port: endpoint.port, protocol: endpoint.protocol }),
    };
    this.disks = new DisksClient(clientOptions);
    this.regionDisks = new RegionDisksClient(clientOptions);
    this.snapshots = new SnapshotsClient(clientOptions);
    this.instances = new InstancesClient(clientOptions);
    this.regionsClient = new RegionsClient(clientOptions);
    this.zoneOperations = new ZoneOperationsClient(clientOptions);
    this.regionOperations = new RegionOperationsClient(clientOptions);
    this.globalOperations = new GlobalOperationsClient(clientOptions);
    // An overridden endpoint makes the clients leave the default scopes unset; restore them.
    this.auth.defaultScopes = COMPUTE_SCOPES;
  }

  /** GCP_PROJECT, or the project of the credentials. */
  project(): Promise<string> {
    if (this.settings.project !== undefined) return Promise.resolve(this.settings.project);
    if (this.projectPromise === undefined) {
      this.projectPromise = this.auth.getProjectId().catch((err: unknown) => {
        this.projectPromise = undefined;
        throw mapGcpError(err, 'finding the project (set GCP_PROJECT)', 'resourcemanager.projects.get');
      });
    }
    return this.projectPromise;
  }

  /** Per-call options: no library retry, a bounded attempt. */
  get callOptions(): { retry: null; timeout: number } {
    return { retry: null, timeout: this.options.timeoutMs ?? 60_000 };
  }

  /** For the async list iterators, which page themselves. */
  private get listOptions(): { retry: null; timeout: number; autoPaginate: false } {
    return { ...this.callOptions, autoPaginate: false };
  }

  /** Runs one Compute Engine call with bounded retries; errors become DriverErrors. */
  async call<T>(action: string, permission: string, fn: () => Promise<T>): Promise<T> {
    const attempts = this.options.attempts ?? 4;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const mapped = mapGcpError(err, action, permission);
        if (!mapped.retryable || attempt >= attempts) throw mapped;
        await sleep((this.options.backoffMs ?? 1_000) * 2 ** (attempt - 1));
      }
    }
  }

  /** `call`, but undefined when Compute Engine says the resource does not exist. */
  async maybe<T>(action: string, permission: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(action, permission, fn);
    } catch (err) {
      if (err instanceof DriverError && err.code === 'NotFound') return undefined;
      throw err;
    }
  }

  /** Zone names of a region (regions.get). */
  async zonesOfRegion(region: string): Promise<string[]> {
    const project = await this.project();
    const [r] = await this.call(`regions.get ${region}`, 'compute.regions.get', () =>
      this.regionsClient.get({ project, region }, this.callOptions),
    );
    return (r.zones ?? []).map(lastSegment);
  }

  /** Zonal and regional disks carrying every label, from every zone and region. */
  async disksWhere(tags: Tags): Promise<GceDisk[]> {
    const project = await this.project();
    return this.call('disks.aggregatedList', 'compute.disks.list', async () => {
      const out: GceDisk[] = [];
      const pages = this.disks.aggregatedListAsync({ project, filter: labelFilter(tags) }, this.listOptions);
      for await (const [, scoped] of pages) out.push(...(scoped.disks ?? []));
      return out;
    });
  }

  /** Snapshots (global) carrying every label. */
  async snapshotsWhere(tags: Tags): Promise<GceSnapshot[]> {
    const project = await this.project();
    return this.call('snapshots.list', 'compute.snapshots.list', async () => {
      const out: GceSnapshot[] = [];
      for await (const s of this.snapshots.listAsync(
        { project, filter: labelFilter(tags) },
        this.listOptions,
      ))
        out.push(s);
      return out;
    });
  }

  /** One step of an operation: its state now (operations.get, which answers at once). */
  async operation(scope: OperationScope, name: string): Promise<GceOperation | undefined> {
    const project = await this.project();
    const action = `${scope.scope}Operations.get ${name}`;
    return this.maybe(action, 'compute.zoneOperations.get', async () => {
      switch (scope.scope) {
        case 'zone':
          return (
            await this.zoneOperations.get(
              { project, zone: scope.location, operation: name },
              this.callOptions,
            )
          )[0];
        case 'region':
          return (
            await this.regionOperations.get(
              { project, region: scope.location, operation: name },
              this.callOptions,
            )
          )[0];
        case 'global':
          return (await this.globalOperations.get({ project, operation: name }, this.callOptions))[0];
      }
    });
  }

  /**
   * Waits for a short operation (labels) with operations.wait, which returns when the operation
   * is done or after a while (at most about 2 minutes); loops a bounded number of times.
   */
  async waitShort(scope: OperationScope, name: string, action: string): Promise<GceOperation> {
    const project = await this.project();
    for (let i = 0; i < 5; i++) {
      const op = await this.call(
        `${scope.scope}Operations.wait ${name}`,
        'compute.zoneOperations.get',
        async () => {
          switch (scope.scope) {
            case 'zone':
              return (
                await this.zoneOperations.wait(
                  { project, zone: scope.location, operation: name },
                  this.callOptions,
                )
              )[0];
            case 'region':
              return (
                await this.regionOperations.wait(
                  { project, region: scope.location, operation: name },
                  this.callOptions,
                )
              )[0];
            case 'global':
              return (await this.globalOperations.wait({ project, operation: name }, this.callOptions))[0];
          }
        },
      );
      if (String(op.status) === 'DONE') return op;
    }
    throw new DriverError('Transient', `${action}: operation ${name} is still running`, {
      details: { operationId: name },
    });
  }

  close(): Promise<void> {
    return Promise.all(
      [
        this.disks,
        this.regionDisks,
        this.snapshots,
        this.instances,
        this.regionsClient,
        this.zoneOperations,
        this.regionOperations,
        this.globalOperations,
      ].map((c) => c.close()),
    ).then(() => undefined);
  }
}
