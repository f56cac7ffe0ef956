// Availability domains as Kompox zones, from the OCI_AVAILABILITY_DOMAINS setting (no API call:
// listing ADs needs oci-identity and tenancy-wide rights). One AD has three spellings:
//   API       Uocm:PHX-AD-1  (tenancy prefix, what createVolume takes)
//   topology  PHX-AD-1       (what OKE nodes carry in topology.kubernetes.io/zone)
//   KOM       AD-1 in the home region; elsewhere the topology name (PHX-AD-1), since `AD-1`
//             exists in every region and must name one zone.
// As input, `resolve` takes any of them, and in the home region also the AD number (`1`).
import { Region } from 'oci-common';
import type { RegionInfo, ZoneInfo } from '../driver';
import { invalidArgument } from '../errors';
import { OKE_SETTING, type OkeSettings } from './settings';

/** `Uocm:PHX-AD-1` → `PHX-AD-1`. */
export function topologyOfAd(ad: string): string {
  const i = ad.indexOf(':');
  return i < 0 ? ad : ad.slice(i + 1);
}

/** `Uocm:PHX-AD-1` → `PHX`, `Uocm:US-ASHBURN-AD-1` → `US-ASHBURN`: what AD names put before the number. */
export function regionKeyOfAd(ad: string): string {
  return topologyOfAd(ad).replace(/-AD-\d+$/, '');
}

export class OkeZones {
  private readonly all: ZoneInfo[];

  constructor(private readonly settings: OkeSettings) {
    this.all = [];
    for (const [region, ads] of settings.availabilityDomains) {
      for (const ad of ads) {
        const topology = topologyOfAd(ad);
        const kom = region === settings.home ? topology.slice(regionKeyOfAd(ad).length + 1) : topology;
        this.all.push({ kom, provider: ad, topology, region });
      }
    }
  }

  get home(): string {
    return this.settings.home;
  }

  /** Every region the driver sees, the home region first. */
  get regions(): string[] {
    const rest = [...this.settings.availabilityDomains.keys()].filter((r) => r !== this.home);
    return [this.home, ...rest];
  }

  /**
   * The region an OCID's region segment names (ocid1.volume.oc1.phx.…): a region id, the SDK's
   * short code (`iad` → us-ashburn-1), or the prefix of the region's AD names (`PHX-AD-1`).
   */
  regionOfKey(key: string): string | undefined {
    if (this.regions.includes(key)) return key;
    let fromSdk: string | undefined;
    try {
      fromSdk = Region.getRegionIdFromShortCode(key);
    } catch {
      fromSdk = undefined;
    }
    if (fromSdk !== undefined && this.regions.includes(fromSdk)) return fromSdk;
    const k = key.toUpperCase();
    return this.all.find((z) => regionKeyOfAd(z.provider) === k)?.region;
  }

  zonesOf(region: string): ZoneInfo[] {
    if (!this.settings.availabilityDomains.has(region)) {
      throw invalidArgument(
        `region "${region}" is not one the oke driver sees (${this.regions.join(', ')}); add it to ${OKE_SETTING.availabilityDomains}`,
        { reason: 'region' },
      );
    }
    return this.all.filter((z) => z.region === region);
  }

  listRegions(): RegionInfo[] {
    return this.regions.map((name) => ({ name, zones: this.zonesOf(name) }));
  }

  defaultZone(): ZoneInfo {
    return this.zonesOf(this.home)[0]!;
  }

  /** The zone of an AD as the API names it (a volume's availabilityDomain). */
  byApiName(ad: string): ZoneInfo | undefined {
    return this.all.find((z) => z.provider === ad);
  }

  resolve(input: string): ZoneInfo {
    const name = input.trim();
    const home = this.zonesOf(this.home);
    const found =
      home.find((z) => z.kom === name) ??
      (/^[1-9][0-9]*$/.test(name) ? home.find((z) => z.kom === `AD-${name}`) : undefined) ??
      this.all.find((z) => z.provider === name || z.topology === name || z.kom === name);
    if (found !== undefined) return found;
    throw invalidArgument(
      `unknown zone "${input}" (known: ${this.all.map((z) => z.kom).join(', ')}; set ${OKE_SETTING.availabilityDomains} for more)`,
      { reason: 'zone' },
    );
  }
}
