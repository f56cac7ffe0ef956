// Zones of the regions the aks driver sees. Azure zones are logical numbers per subscription
// ('1', '2', '3'); AKS nodes carry `<location>-<zone>` (eastus2-1) in their topology labels. In the
// home region a zone's KOM and API names are the number and its topology name the label value; a
// zone of another region has that region's label value as its KOM name too, so every KOM name is
// unique. As input, a zone may be any of those spellings.
import type { RegionInfo, ZoneInfo } from '../driver';
import { invalidArgument } from '../errors';
import { AKS_SETTING, type AksSettings } from './settings';

export class AksZones {
  constructor(
    readonly home: string,
    /** Every region the driver sees, the home region first. */
    readonly regions: readonly string[],
    private readonly apiZones: Readonly<Record<string, string[]>>,
  ) {}

  static fromSettings(s: AksSettings): AksZones {
    return new AksZones(s.location, s.locations, s.zones);
  }

  /** The zone `zone` (API name) of `region` in its three spellings. */
  zone(region: string, zone: string): ZoneInfo {
    const topology = `${region}-${zone}`;
    return { kom: region === this.home ? zone : topology, provider: zone, topology, region };
  }

  /** Zones of a region the driver sees; InvalidArgument for another region. */
  zonesOf(region: string): ZoneInfo[] {
    const zones = this.apiZones[region];
    if (zones === undefined) {
      throw invalidArgument(
        `region "${region}" is not one the aks driver sees (${this.regions.join(', ')}); add it to ${AKS_SETTING.locations}`,
        { reason: 'region' },
      );
    }
    return zones.map((z) => this.zone(region, z));
  }

  listRegions(): RegionInfo[] {
    return this.regions.map((name) => ({ name, zones: this.zonesOf(name) }));
  }

  /** Where disks go when no zone is given: the first zone of the home region. */
  defaultZone(): ZoneInfo {
    const first = this.zonesOf(this.home)[0];
    if (first === undefined)
      throw invalidArgument(
        `region ${this.home} has no zones (${AKS_SETTING.zones}): name a zone-redundant SKU`,
      );
    return first;
  }

  /** A zone from its KOM, API (home region) or topology spelling. */
  resolve(input: string): ZoneInfo {
    const name = input.trim();
    const home = this.zonesOf(this.home).find((z) => z.provider === name);
    if (home !== undefined) return home;
    for (const region of this.regions) {
      const z = this.zonesOf(region).find((x) => x.topology === name);
      if (z !== undefined) return z;
    }
    const named = /^([a-z][a-z0-9]+)-[1-9]$/.exec(name)?.[1];
    if (named !== undefined && !this.regions.includes(named)) {
      throw invalidArgument(
        `zone "${input}" is in region ${named}, which the aks driver does not see (${this.regions.join(', ')}); add it to ${AKS_SETTING.locations}`,
        { reason: 'region' },
      );
    }
    const known = this.regions.flatMap((r) => this.zonesOf(r).map((z) => z.kom));
    throw invalidArgument(`unknown zone "${input}" (known: ${known.join(', ')})`, { reason: 'zone' });
  }
}
