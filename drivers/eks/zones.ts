// Zones of the regions the eks driver sees, from DescribeAvailabilityZones (once per region and
// driver). A zone's KOM, provider and topology names are all its AZ name (`us-east-1a`). As
// input, `resolve` also accepts its AZ id (`use1-az6`) and, relative to the home region, the
// letter after the region name (`a`) and a 1-based index in name order (`1`), as the local
// provider does, so manifests written for Azure-style zones ("1") work unchanged.
import type { RegionInfo, ZoneInfo } from '../driver';
import { invalidArgument } from '../errors';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKS_SETTING, type EksSettings, homeRegionFromEnvironment } from './settings';

/** A zone with its account-specific AZ id. */
export interface EbsZone extends ZoneInfo {
  zoneId: string;
}

/** Lists the availability zones of one region (DescribeAvailabilityZones). */
export type DescribeZones = (region: string) => Promise<{ name: string; id: string }[]>;

export function zoneInfo(z: EbsZone): ZoneInfo {
  return { kom: z.kom, provider: z.provider, topology: z.topology, region: z.region };
}

const ZONE_REGION =
  /^([a-z]{2}(?:-gov|-iso[a-z]?)?-(?:north|south|east|west|central)(?:east|west)?-\d+)[a-z]/;

/** The region of an AZ name (`us-east-1a`, `us-west-2-lax-1a` → us-west-2), or undefined. */
export function regionOfZoneName(zone: string): string | undefined {
  return ZONE_REGION.exec(zone)?.[1] ?? /^([a-z]{2}(?:-gov)?-[a-z]+-\d+)-[a-z]+-\d+[a-z]$/.exec(zone)?.[1];
}

export class EksZones {
  private readonly cache = new Map<string, Promise<EbsZone[]>>();

  constructor(
    readonly home: string,
    /** Every region the driver sees, the home region first. */
    readonly regions: readonly string[],
    private readonly describe: DescribeZones,
  ) {}

  /**
   * The regions of `settings`: the home region from AWS_REGION or, without it, from the
   * environment the way the AWS SDK finds one (settings.ts), then AWS_REGIONS.
   */
  static async load(settings: EksSettings, describe: DescribeZones): Promise<EksZones> {
    const { region, extraRegions, profile } = settings;
    const home =
      region ??
      (await homeRegionFromEnvironment(process.env, () =>
        new EC2Client(profile === undefined ? {} : { profile }).config.region(),
      ));
    return new EksZones(home, [home, ...extraRegions.filter((r) => r !== home)], describe);
  }

  /** Zones of a region the driver sees, in name order; InvalidArgument for another region. */
  zonesOf(region: string): Promise<EbsZone[]> {
    if (!this.regions.includes(region)) {
      throw invalidArgument(
        `region "${region}" is not one the eks driver sees (${this.regions.join(', ')}); add it to ${EKS_SETTING.regions}`,
        { reason: 'region' },
      );
    }
    let zones = this.cache.get(region);
    if (zones === undefined) {
      zones = this.describe(region).then((list) =>
        list
          .map((z) => ({ kom: z.name, provider: z.name, topology: z.name, region, zoneId: z.id }))
          .sort((a, b) => (a.kom < b.kom ? -1 : a.kom > b.kom ? 1 : 0)),
      );
      this.cache.set(region, zones);
      // A failed lookup (throttled, denied) must not stick.
      zones.catch(() => this.cache.delete(region));
    }
    return zones;
  }

  async listRegions(): Promise<RegionInfo[]> {
    const out: RegionInfo[] = [];
    for (const name of this.regions) out.push({ name, zones: (await this.zonesOf(name)).map(zoneInfo) });
    return out;
  }

  /** Where disks go when no zone is given: the first zone of the home region. */
  async defaultZone(): Promise<EbsZone> {
    const first = (await this.zonesOf(this.home))[0];
    if (first === undefined) throw invalidArgument(`region ${this.home} lists no availability zone`);
    return first;
  }

  async resolve(input: string): Promise<EbsZone> {
    const name = input.trim();
    const home = await this.zonesOf(this.home);
    const inHome =
      home.find((z) => z.kom === name || z.zoneId === name) ??
      home.find((z) => z.kom.slice(this.home.length).replace(/^-/, '') === name) ??
      (/^[1-9][0-9]*$/.test(name) ? home[Number(name) - 1] : undefined);
    if (inHome !== undefined) return inHome;
    const named = regionOfZoneName(name);
    if (named !== undefined && named !== this.home && !this.regions.includes(named)) {
      throw invalidArgument(
        `zone "${input}" is in region ${named}, which the eks driver does not see (${this.regions.join(', ')}); add it to ${EKS_SETTING.regions}`,
        { reason: 'region' },
      );
    }
    const others = this.regions.filter((r) => r !== this.home && (named === undefined || r === named));
    for (const region of others) {
      const z = (await this.zonesOf(region)).find((x) => x.kom === name || x.zoneId === name);
      if (z !== undefined) return z;
    }
    const known = (await Promise.all(this.regions.map((r) => this.zonesOf(r)))).flat().map((z) => z.kom);
    throw invalidArgument(`unknown zone "${input}" (known: ${known.join(', ')})`, { reason: 'zone' });
  }
}
