// Regions and zones of the local provider. They exist only as names, so that zone-aware code
// paths (pods follow their disks, snapshots are regional, copies cross regions) can run on one
// machine against kwok nodes labelled with the same zone names.
//
// LOCAL_REGIONS="<region>:<zone>,<zone>;<region>:<zone>,..."
//   default: "local-1:local-1a,local-1b,local-1c;local-2:local-2a,local-2b,local-2c"
// LOCAL_REGION = the cluster's home region (default: the first one).
//
// A zone's KOM, provider and topology names are all its full name (`local-1a`). As KOM input,
// `resolve` also accepts, relative to the home region, the part after the region name and an
// optional `-` (`a` for `local-1a`, `x` for `east-x`) and a 1-based index (`1`), so manifests
// written for Azure-style zones ("1") work unchanged.

import type { RegionInfo, ZoneInfo } from '../driver';
import { invalidArgument } from '../errors';

export const DEFAULT_LOCAL_REGIONS = 'local-1:local-1a,local-1b,local-1c;local-2:local-2a,local-2b,local-2c';

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export class LocalZones {
  readonly regions: readonly RegionInfo[];
  readonly home: RegionInfo;

  constructor(regions: RegionInfo[], homeRegion?: string) {
    if (regions.length === 0) throw invalidArgument('LOCAL_REGIONS defines no region');
    this.regions = regions;
    const home = homeRegion === undefined ? regions[0] : regions.find((r) => r.name === homeRegion);
    if (home === undefined) throw invalidArgument(`LOCAL_REGION "${homeRegion}" is not one of LOCAL_REGIONS`);
    this.home = home;
  }

  static parse(spec: string | undefined, homeRegion?: string): LocalZones {
    const regions: RegionInfo[] = [];
    const seen = new Set<string>();
    for (const part of (spec?.trim() || DEFAULT_LOCAL_REGIONS).split(';')) {
      if (part.trim() === '') continue;
      const [region = '', zoneList = ''] = part.split(':').map((s) => s.trim());
      const zones = zoneList
        .split(',')
        .map((z) => z.trim())
        .filter((z) => z !== '');
      if (!NAME.test(region) || zones.length === 0) {
        throw invalidArgument(`LOCAL_REGIONS entry "${part}" must look like "region:zone1,zone2"`);
      }
      for (const name of [region, ...zones]) {
        if (!NAME.test(name) || seen.has(name))
          throw invalidArgument(`LOCAL_REGIONS: bad or repeated name "${name}"`);
        seen.add(name);
      }
      regions.push({ name: region, zones: zones.map((z) => ({ kom: z, provider: z, topology: z, region })) });
    }
    return new LocalZones(regions, homeRegion?.trim() || undefined);
  }

  region(name: string): RegionInfo {
    const r = this.regions.find((x) => x.name === name);
    if (r === undefined) throw invalidArgument(`unknown region "${name}" (known: ${this.regionNames()})`);
    return r;
  }

  /** The first zone of the home region: where disks go when no zone is given. */
  defaultZone(): ZoneInfo {
    return this.home.zones[0]!;
  }

  resolve(input: string): ZoneInfo {
    const name = input.trim();
    for (const r of this.regions) {
      const z = r.zones.find((x) => x.kom === name);
      if (z !== undefined) return z;
    }
    const bySuffix = this.home.zones.find(
      (z) => z.kom.slice(this.home.name.length).replace(/^-/, '') === name,
    );
    if (bySuffix !== undefined) return bySuffix;
    if (/^[1-9][0-9]*$/.test(name)) {
      const byIndex = this.home.zones[Number(name) - 1];
      if (byIndex !== undefined) return byIndex;
    }
    throw invalidArgument(
      `unknown zone "${input}" (known: ${this.regions.flatMap((r) => r.zones.map((z) => z.kom)).join(', ')})`,
    );
  }

  private regionNames(): string {
    return this.regions.map((r) => r.name).join(', ');
  }
}
