// The aks driver's way to Azure Resource Manager: one ComputeManagementClient with credentials
// from DefaultAzureCredential, every call bounded in time and its error mapped to a DriverError,
// and listings of the resource group filtered by tags on this side (ARM's Compute lists take no
// tag filter).
//
// Retries: the SDK pipeline retries throttling (after Retry-After) and transient failures at most
// `maxRetries` times, and every call, retries included, is aborted after `callTimeoutMs`, so a
// long outage reaches the activity as a Transient error instead of hanging it. Retrying is safe
// for every write the driver sends: creates are PUTs of a name derived from the idempotency key
// (a repeated PUT of the same body changes nothing), deletes and detaches are idempotent.
import {
  ComputeManagementClient,
  type Disk as ArmDisk,
  type Snapshot as ArmSnapshot,
} from '@azure/arm-compute';
import { DefaultAzureCredential } from '@azure/identity';
import { DriverError } from '../errors';
import { type Tags, tagsMatch } from '../tags';
import { mapAzureError } from './errors';
import type { AksSettings } from './settings';

export interface ArmCallOptions {
  /** Retries of the SDK pipeline per request (default 3). */
  maxRetries?: number;
  /** First delay of the pipeline's exponential retry (default 1 s, the SDK's). */
  retryDelayInMs?: number;
  /** Longest delay between the pipeline's retries (default 30 s). */
  maxRetryDelayInMs?: number;
  /** Time one call may take, its retries included (default 120 s). */
  callTimeoutMs?: number;
}

/** What a call passes the SDK: a deadline for the whole call, retries included. */
export interface CallOptions {
  abortSignal: AbortSignal;
  updateIntervalInMs: number;
}

export class ArmCalls {
  readonly client: ComputeManagementClient;

  constructor(
    readonly settings: AksSettings,
    private readonly options: ArmCallOptions = {},
  ) {
    this.client = new ComputeManagementClient(new DefaultAzureCredential(), settings.subscriptionId, {
      endpoint: settings.endpoint,
      credentials: { scopes: [settings.scope] },
      retryOptions: {
        maxRetries: options.maxRetries ?? 3,
        retryDelayInMs: options.retryDelayInMs ?? 1_000,
        maxRetryDelayInMs: options.maxRetryDelayInMs ?? 30_000,
      },
    });
  }

  get resourceGroup(): string {
    return this.settings.resourceGroup;
  }

  /** Options for one SDK call. */
  callOptions(): CallOptions {
    return {
      abortSignal: AbortSignal.timeout(this.options.callTimeoutMs ?? 120_000),
      updateIntervalInMs: 1_000,
    };
  }

  /** Runs one ARM call; errors become DriverErrors naming `action`. */
  async call<T>(action: string, fn: (c: ComputeManagementClient, o: CallOptions) => Promise<T>): Promise<T> {
    try {
      return await fn(this.client, this.callOptions());
    } catch (err) {
      // Our own deadline: the cloud did not answer in time, which a later attempt may fix.
      if (err instanceof Error && err.name === 'AbortError') {
        throw new DriverError('Transient', `${action} did not finish in time: ${err.message}`, {
          cause: err,
        });
      }
      throw mapAzureError(err, action);
    }
  }

  /** `call`, but undefined when ARM says the resource does not exist. */
  async maybe<T>(
    action: string,
    fn: (c: ComputeManagementClient, o: CallOptions) => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await this.call(action, fn);
    } catch (err) {
      if (err instanceof DriverError && err.code === 'NotFound') return undefined;
      throw err;
    }
  }

  getDisk(name: string): Promise<ArmDisk | undefined> {
    return this.maybe(`GET disk ${name}`, (c, o) => c.disks.get(this.resourceGroup, name, o));
  }

  getSnapshot(name: string): Promise<ArmSnapshot | undefined> {
    return this.maybe(`GET snapshot ${name}`, (c, o) => c.snapshots.get(this.resourceGroup, name, o));
  }

  /** Disks of the resource group carrying every tag in `tags` (raw or sanitised values). */
  disksWhere(tags: Tags): Promise<ArmDisk[]> {
    return this.call('list disks', async (c, o) => {
      const out: ArmDisk[] = [];
      for await (const d of c.disks.listByResourceGroup(this.resourceGroup, o))
        if (tagsMatch(d.tags ?? {}, tags)) out.push(d);
      return out;
    });
  }

  /** Snapshots of the resource group carrying every tag in `tags`. */
  snapshotsWhere(tags: Tags): Promise<ArmSnapshot[]> {
    return this.call('list snapshots', async (c, o) => {
      const out: ArmSnapshot[] = [];
      for await (const s of c.snapshots.listByResourceGroup(this.resourceGroup, o))
        if (tagsMatch(s.tags ?? {}, tags)) out.push(s);
      return out;
    });
  }
}
