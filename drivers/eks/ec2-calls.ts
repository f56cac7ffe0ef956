// The eks driver's way to EC2: one EC2Client per region (made on first use, kept for the
// driver's life), every call's error mapped to a DriverError, and lookups by tag that page
// through DescribeVolumes / DescribeSnapshots with server-side `tag:` filters.
//
// CreateSnapshot and CopySnapshot take no ClientToken, so an SDK retry after a lost reply
// would make a second snapshot: they go through clients that never retry on their own (`once`),
// and `create` retries them only after throttling, which EC2 answers before doing anything.
import {
  DescribeAvailabilityZonesCommand,
  EC2Client,
  type Filter,
  type Snapshot as Ec2Snapshot,
  type Volume,
  paginateDescribeSnapshots,
  paginateDescribeVolumes,
} from '@aws-sdk/client-ec2';
import { DriverError } from '../errors';
import { type Tags } from '../tags';
import { tagValue } from '../tag-value';
import { EBS_TAG } from './ebs-records';
import { mapAwsError } from './errors';

export interface Ec2CallOptions {
  profile?: string;
  /** Attempts the SDK makes per call (its default is 3). */
  maxAttempts?: number;
  /** Pause before `create` retries a throttled non-idempotent create; tests shorten it. */
  throttleBackoffMs?: number;
}

export interface Found<T> {
  region: string;
  item: T;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `tag:<key>` filters; each also matches the raw value, which resources tagged before sanitising carry. */
export function tagFilters(tags: Tags): Filter[] {
  return Object.entries(tags).map(([k, v]) => ({ Name: `tag:${k}`, Values: [...new Set([tagValue(v), v])] }));
}

export class Ec2Calls {
  private readonly clients = new Map<string, EC2Client>();

  constructor(private readonly options: Ec2CallOptions = {}) {}

  /** The region's client; `once` clients make one attempt per call. */
  client(region: string, once = false): EC2Client {
    const key = `${region}${once ? '#once' : ''}`;
    let c = this.clients.get(key);
    if (c === undefined) {
      const attempts = once ? 1 : this.options.maxAttempts;
      c = new EC2Client({
        region,
        ...(this.options.profile === undefined ? {} : { profile: this.options.profile }),
        ...(attempts === undefined ? {} : { maxAttempts: attempts }),
      });
      this.clients.set(key, c);
    }
    return c;
  }

  /** Runs one EC2 call; errors become DriverErrors naming `action` and the region. */
  async call<T>(region: string, action: string, fn: (c: EC2Client) => Promise<T>): Promise<T> {
    try {
      return await fn(this.client(region));
    } catch (err) {
      throw mapAwsError(err, `${action} in ${region}`, action);
    }
  }

  /** `call`, but undefined when EC2 says the resource does not exist. */
  async maybe<T>(region: string, action: string, fn: (c: EC2Client) => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(region, action, fn);
    } catch (err) {
      if (err instanceof DriverError && err.code === 'NotFound') return undefined;
      throw err;
    }
  }

  /** A create without a ClientToken: one attempt per SDK call, retried here only after throttling. */
  async create<T>(region: string, action: string, fn: (c: EC2Client) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(this.client(region, true));
      } catch (err) {
        const mapped = mapAwsError(err, `${action} in ${region}`, action);
        if (mapped.code !== 'Throttled' || attempt >= 3) throw mapped;
        await sleep((this.options.throttleBackoffMs ?? 500) * attempt);
      }
    }
  }

  async availabilityZones(region: string): Promise<{ name: string; id: string }[]> {
    const out = await this.call(region, 'DescribeAvailabilityZones', (c) =>
      c.send(new DescribeAvailabilityZonesCommand({})),
    );
    return (out.AvailabilityZones ?? [])
      .filter((z) => (z.ZoneType ?? 'availability-zone') === 'availability-zone' && z.ZoneName)
      .map((z) => ({ name: z.ZoneName!, id: z.ZoneId ?? '' }));
  }

  /** Volumes carrying every tag in `tags`, in each of `regions`. */
  async volumesWhere(regions: readonly string[], tags: Tags, more: Filter[] = []): Promise<Found<Volume>[]> {
    const perRegion = await Promise.all(
      regions.map((region) =>
        this.call(region, 'DescribeVolumes', async (client) => {
          const out: Found<Volume>[] = [];
          const pages = paginateDescribeVolumes({ client }, { Filters: [...tagFilters(tags), ...more] });
          for await (const page of pages) for (const item of page.Volumes ?? []) out.push({ region, item });
          return out;
        }),
      ),
    );
    return perRegion.flat();
  }

  /** This account's snapshots carrying every tag in `tags`, in each of `regions`. */
  async snapshotsWhere(
    regions: readonly string[],
    tags: Tags,
    more: Filter[] = [],
  ): Promise<Found<Ec2Snapshot>[]> {
    const perRegion = await Promise.all(
      regions.map((region) =>
        this.call(region, 'DescribeSnapshots', async (client) => {
          const out: Found<Ec2Snapshot>[] = [];
          const input = { OwnerIds: ['self'], Filters: [...tagFilters(tags), ...more] };
          for await (const page of paginateDescribeSnapshots({ client }, input))
            for (const item of page.Snapshots ?? []) out.push({ region, item });
          return out;
        }),
      ),
    );
    return perRegion.flat();
  }

  /** What reads a snapshot now: volumes being created from it and copies of it still pending. */
  async snapshotReaders(region: string, snapshotId: string, regions: readonly string[]): Promise<string[]> {
    const [volumes, copies] = await Promise.all([
      this.volumesWhere([region], {}, [
        { Name: 'snapshot-id', Values: [snapshotId] },
        { Name: 'status', Values: ['creating'] },
      ]),
      this.snapshotsWhere(regions, { [EBS_TAG.copiedFromId]: snapshotId }, [
        { Name: 'status', Values: ['pending'] },
      ]),
    ]);
    return [
      ...volumes.map((v) => `volume ${v.item.VolumeId}`),
      ...copies.map((c) => `copy ${c.item.SnapshotId} in ${c.region}`),
    ];
  }
}
