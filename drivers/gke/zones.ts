// Zones of the regions the gke driver sees, from regions.get (once per region and driver). A
// zone's KOM, provider and topology names are all its Compute Engine name (`us-central1-a`, the
// value of topology.gke.io/zone). As input, `resolve` also takes, relative to the home region,
// the letter after the region name (`a`) and a 1-based index in name order (`1`), as the other
// providers do, so manifests written for another cloud's zones work unchanged.
import type { RegionInfo, ZoneInfo } from '../driver';
import { invalidArgument } from '../errors';
import { regionOfZone } from './names';
import { GKE_SETTING } from './settings';

/** Zone names of one region (regions.get `zones`, last segments). */
export type RegionZones = (region: string) => Promise<string[]>;

export class GkeZones {
  private readonly cache = new Map<string, Promise<ZoneInfo[]>>();

  constructor(
    readonly home: string,
    /** Every region the driver sees, the home region first. */
    readonly regions: readonly string[],
    private readonly lookup: RegionZones,
  ) {}

  /** Zones of a region the driver sees, in name order; InvalidArgument for another region. */
  zonesOf(region: string): Promise<ZoneInfo[]> {
    if (!this.regions.includes(region)) {
      return Promise.reject(
        invalidArgument(
          `region "${region}" is not one the gke driver sees (${this.regions.join(', ')}); add it to ${GKE_SETTING.regions}`,
          { reason: 'region' },
        ),
      );
    }
    let zones = this.cache.get(region);
    if (zones === undefined) {
      zones = this.lookup(region).then((names) =>
        [...names].sort().map((z) => ({ kom: z, provider: z, topology: z, region })),
      );
      this.cache.set(region, zones);
      // A failed lookup (throttled, denied) must not stick.
      zones.catch(() => this.cache.delete(region));
    }
    return zones;
  }

  async listRegions(): Promise<RegionInfo[]> {
    const out: RegionInfo[] = [];
    for (const name of this.regions) out.push({ name, zones: await this.zonesOf(name) });
    return out;
  }

  /** Where disks go when no zone is given: the first zone of the home region. */
  async defaultZone(): Promise<ZoneInfo> {
    const first = (await this.zonesOf(this.home))[0];
    if (first === undefined) throw invalidArgument(`region ${this.home} lists no zone`);
    return first;
  }

  async resolve(input: string): Promise<ZoneInfo> {
    const name = input.trim();
    const home = await this.zonesOf(this.home);
    const inHome =
      home.find((z) => z.kom === name) ??
      home.find((z) => z.kom === `${this.home}-${name}`) ??
      (/^[1-9][0-9]*$/.test(name) ? home[Number(name) - 1] : undefined);
    if (inHome !== undefined) return inHome;
    if (/^[a-z]+-[a-z]+\d+-[a-z]$/.test(name)) {
      const region = regionOfZone(name);
      if (!this.regions.includes(region)) {
        throw invalidArgument(
          `zone "${input}" is in region ${region}, which the gke driver does not see (${this.regions.join(', ')}); add it to ${GKE_SETTING.regions}`,
          { reason: 'region' },
        );
      }
      const z = (await this.zonesOf(region)).find((x) => x.kom === name);
      if (z !== undefined) return z;
    }
    const known = (await Promise.all(this.regions.map((r) => this.zonesOf(r)))).flat().map((z) => z.kom);
    throw invalidArgument(`unknown zone "${input}" (known: ${known.join(', ')})`, { reason: 'zone' });
  }

  /** The zone after `zone` in its region (wrapping), for a regional disk's second replica. */
  async nextZone(zone: ZoneInfo): Promise<ZoneInfo> {
    const zones = await this.zonesOf(zone.region);
    if (zones.length < 2) {
      throw invalidArgument(`region ${zone.region} has one zone: a regional disk needs two`, {
        option: 'zoneRedundant',
      });
    }
    const i = zones.findIndex((z) => z.kom === zone.kom);
    return zones[(i + 1) % zones.length]!;
  }
}
