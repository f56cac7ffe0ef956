// The oke driver's way to OCI: one BlockstorageClient and one ComputeClient per region (made on
// first use, kept for the driver's life), signed with the OCI config file's key, every error
// mapped to a DriverError, and listings that page through a compartment (OCI has no server-side
// tag filter: the driver filters freeform tags itself).
//
// Retries are the SDK's, bounded: `maxAttempts` per call with exponential backoff, only for what
// OCI answers before or instead of doing anything (429, 5xx, 409 IncorrectState, no reply). Every
// create carries a deterministic opc-retry-token, so a retried create whose first reply was lost
// returns the resource the first attempt made instead of a second one.
import {
  ConfigFileAuthenticationDetailsProvider,
  MaxAttemptsTerminationStrategy,
  type OciError,
} from 'oci-common';
import type { RetryConfiguration } from 'oci-common';
import { BlockstorageClient, ComputeClient, type models } from 'oci-core';
import { DriverError } from '../errors';
import { credentialsError, mapOciError } from './errors';
import { type OkeSettings, endpointFor } from './settings';

export interface OciCallOptions {
  /** Attempts the SDK makes per call (default 4). */
  maxAttempts?: number;
  /** First backoff between attempts (default 1000 ms, doubling, at most 30 s). */
  retryBaseDelayMs?: number;
}

/** What the SDK retries: throttling, server faults, a state that is about to change, no reply. */
export function ociRetryable(err: OciError): boolean {
  const s = err.statusCode;
  return (
    s === -1 ||
    Number.isNaN(s) ||
    s === undefined ||
    s === 429 ||
    s >= 500 ||
    (s === 409 && err.serviceCode === 'IncorrectState')
  );
}

export function retryConfiguration(options: OciCallOptions): RetryConfiguration {
  const base = (options.retryBaseDelayMs ?? 1000) / 1000;
  return {
    terminationStrategy: new MaxAttemptsTerminationStrategy(options.maxAttempts ?? 4),
    delayStrategy: { delay: (ctx) => Math.min(base * 2 ** ctx.attemptCount, 30) },
    retryCondition: ociRetryable,
  };
}

interface Clients {
  storage: BlockstorageClient;
  compute: ComputeClient;
}

export class OciCalls {
  private readonly clients = new Map<string, Clients>();
  private auth?: ConfigFileAuthenticationDetailsProvider;

  constructor(
    private readonly settings: OkeSettings,
    private readonly options: OciCallOptions = {},
  ) {}

  private provider(): ConfigFileAuthenticationDetailsProvider {
    if (this.auth === undefined) {
      try {
        // OCI_CONFIG_FILE wins when set (the SDK itself prefers ~/.oci/config even then).
        this.auth = new ConfigFileAuthenticationDetailsProvider(
          process.env.OCI_CONFIG_FILE || undefined,
          this.settings.profile,
        );
      } catch (err) {
        throw credentialsError(err);
      }
    }
    return this.auth;
  }

  private clientsOf(region: string): Clients {
    let c = this.clients.get(region);
    if (c === undefined) {
      const params = { authenticationDetailsProvider: this.provider() };
      const config = { retryConfiguration: retryConfiguration(this.options) };
      const storage = new BlockstorageClient(params, config);
      const compute = new ComputeClient(params, config);
      const endpoint = endpointFor(this.settings, region);
      for (const client of [storage, compute]) {
        if (endpoint === undefined) client.regionId = region;
        else client.endpoint = endpoint;
      }
      c = { storage, compute };
      this.clients.set(region, c);
    }
    return c;
  }

  /** Runs one Block Storage call in `region`; errors become DriverErrors naming the action. */
  async storage<T>(
    region: string,
    action: string,
    fn: (c: BlockstorageClient) => Promise<T>,
    creating = false,
  ): Promise<T> {
    const client = this.clientsOf(region).storage;
    try {
      return await fn(client);
    } catch (err) {
      throw mapOciError(err, `${action} in ${region}`, creating);
    }
  }

  async compute<T>(region: string, action: string, fn: (c: ComputeClient) => Promise<T>): Promise<T> {
    const client = this.clientsOf(region).compute;
    try {
      return await fn(client);
    } catch (err) {
      throw mapOciError(err, `${action} in ${region}`);
    }
  }

  /** `call`, but undefined when OCI says the resource does not exist. */
  async maybe<T>(p: Promise<T>): Promise<T | undefined> {
    try {
      return await p;
    } catch (err) {
      if (err instanceof DriverError && err.code === 'NotFound') return undefined;
      throw err;
    }
  }

  /** The compartment's volumes in `region` that are not terminated. */
  async volumes(region: string): Promise<models.Volume[]> {
    const out: models.Volume[] = [];
    let page: string | undefined;
    do {
      const res = await this.storage(region, 'ListVolumes', (c) =>
        c.listVolumes({ compartmentId: this.settings.compartmentId, ...(page ? { page } : {}) }),
      );
      out.push(...res.items.filter((v) => v.lifecycleState !== 'TERMINATED'));
      page = res.opcNextPage;
    } while (page);
    return out;
  }

  /** The compartment's volume backups in `region` that are not terminated. */
  async backups(
    region: string,
    filter: { sourceVolumeBackupId?: string } = {},
  ): Promise<models.VolumeBackup[]> {
    const out: models.VolumeBackup[] = [];
    let page: string | undefined;
    do {
      const res = await this.storage(region, 'ListVolumeBackups', (c) =>
        c.listVolumeBackups({
          compartmentId: this.settings.compartmentId,
          ...filter,
          ...(page ? { page } : {}),
        }),
      );
      out.push(...res.items.filter((b) => b.lifecycleState !== 'TERMINATED'));
      page = res.opcNextPage;
    } while (page);
    return out;
  }

  /** The volume's attachments in `region` that are not detached. */
  async attachments(region: string, volumeId: string): Promise<models.VolumeAttachment[]> {
    const out: models.VolumeAttachment[] = [];
    let page: string | undefined;
    do {
      const res = await this.compute(region, 'ListVolumeAttachments', (c) =>
        c.listVolumeAttachments({
          compartmentId: this.settings.compartmentId,
          volumeId,
          ...(page ? { page } : {}),
        }),
      );
      out.push(...res.items.filter((a) => a.lifecycleState !== 'DETACHED'));
      page = res.opcNextPage;
    } while (page);
    return out;
  }
}
