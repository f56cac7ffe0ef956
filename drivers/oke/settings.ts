// Settings of the oke provider, from the KOM Provider and Cluster `settings` maps (a Cluster value
// wins over a Provider value of the same key). Every OCI_* key is checked, so a misspelt setting
// is refused instead of silently falling back to a default.
//
//   OCI_COMPARTMENT_ID           the compartment disks and backups live in (required).
//   OCI_AVAILABILITY_DOMAINS     the regions the driver sees and their ADs (required):
//                                `us-phoenix-1=Uocm:PHX-AD-1,Uocm:PHX-AD-2;us-ashburn-1=Uocm:US-ASHBURN-AD-1`.
//                                AD names carry a tenancy prefix, so they are configured, not guessed.
//   OCI_REGION                   the home region (default zone, `AD-1` names); default: the first
//                                region of OCI_AVAILABILITY_DOMAINS.
//   OCI_CLI_PROFILE              the profile of the OCI config file to sign with (default DEFAULT).
//   OCI_CLI_ENDPOINT             the Core Services endpoint, as the OCI CLI's --endpoint takes it
//                                (with or without the /20160918 version path); `{region}` is replaced
//                                by the region id, so one value serves every region. For private
//                                and sovereign endpoints; default: the SDK's public endpoint.
//   OCI_BLOCK_VOLUME_VPUS_PER_GB default performance of new disks (10, Balanced); a disk's `vpusPerGB` option wins.
//
// Credentials are never settings: they come from the OCI config file of the worker's environment
// (OCI_CONFIG_FILE, else ~/.oci/config), in the profile named above.
import type { DriverContext } from '../driver';
import { invalidArgument } from '../errors';

export const OKE_SETTING = {
  compartment: 'OCI_COMPARTMENT_ID',
  availabilityDomains: 'OCI_AVAILABILITY_DOMAINS',
  region: 'OCI_REGION',
  profile: 'OCI_CLI_PROFILE',
  endpoint: 'OCI_CLI_ENDPOINT',
  vpusPerGB: 'OCI_BLOCK_VOLUME_VPUS_PER_GB',
} as const;

const KNOWN: readonly string[] = Object.values(OKE_SETTING);
const CREDENTIAL_KEYS = ['OCI_CLI_KEY_FILE', 'OCI_CLI_KEY_CONTENT', 'OCI_CLI_FINGERPRINT', 'OCI_CLI_USER'];
const REGION = /^[a-z]{2}-[a-z]+-\d+$/;
const AD_NAME = /^([A-Za-z0-9]+:)?([A-Z0-9-]+)-AD-(\d+)$/;
const OCID = /^ocid1\.[a-z0-9]+\.[a-z0-9-]*\.[a-z0-9-]*\.[A-Za-z0-9._-]+$/;
export const VPUS_PER_GB = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120] as const;

export interface OkeSettings {
  compartmentId: string;
  /** Region id → AD names (API spelling), in the order given. */
  availabilityDomains: ReadonlyMap<string, readonly string[]>;
  home: string;
  profile?: string;
  /** Endpoint template without the version path; `{region}` stands for the region id. */
  endpoint?: string;
  vpusPerGB: number;
}

function refuse(key: string, message: string): never {
  throw invalidArgument(message, { setting: key });
}

/** `region=AD,AD;region=AD` → a map; InvalidArgument naming the setting for anything else. */
export function parseAvailabilityDomains(value: string): Map<string, string[]> {
  const key = OKE_SETTING.availabilityDomains;
  const out = new Map<string, string[]>();
  for (const part of value
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    const region = part.slice(0, eq).trim();
    if (eq < 0 || !REGION.test(region))
      refuse(key, `${key}: "${part}" is not region=AD,AD (like us-phoenix-1=Uocm:PHX-AD-1)`);
    const ads = part
      .slice(eq + 1)
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== '');
    if (ads.length === 0) refuse(key, `${key}: region ${region} lists no availability domain`);
    for (const ad of ads) {
      if (!AD_NAME.test(ad))
        refuse(key, `${key}: "${ad}" is not an availability domain name (like Uocm:PHX-AD-1)`);
    }
    if (out.has(region)) refuse(key, `${key}: region ${region} is listed twice`);
    out.set(region, ads);
  }
  if (out.size === 0) refuse(key, `${key} is required: the regions and availability domains the driver uses`);
  return out;
}

export function readOkeSettings(ctx: DriverContext): OkeSettings {
  const merged: Record<string, string> = { ...ctx.providerSettings, ...ctx.clusterSettings };
  for (const key of Object.keys(merged).filter((k) => k.startsWith('OCI_') && !KNOWN.includes(k))) {
    if (CREDENTIAL_KEYS.includes(key)) {
      refuse(
        key,
        `${key} is not an oke setting: credentials come only from the OCI config file of the worker's environment (OCI_CONFIG_FILE or ~/.oci/config); remove it from the KOM settings`,
      );
    }
    refuse(key, `unknown oke setting ${key} (known: ${KNOWN.join(', ')}); fix or remove it`);
  }
  const value = (key: string): string | undefined => {
    const v = merged[key]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const compartmentId = value(OKE_SETTING.compartment);
  if (compartmentId === undefined) refuse(OKE_SETTING.compartment, `${OKE_SETTING.compartment} is required`);
  if (!OCID.test(compartmentId)) {
    refuse(OKE_SETTING.compartment, `${OKE_SETTING.compartment} "${compartmentId}" is not an OCID`);
  }
  const availabilityDomains = parseAvailabilityDomains(value(OKE_SETTING.availabilityDomains) ?? '');
  const home = value(OKE_SETTING.region) ?? [...availabilityDomains.keys()][0]!;
  if (!availabilityDomains.has(home)) {
    refuse(
      OKE_SETTING.region,
      `${OKE_SETTING.region} ${home} has no entry in ${OKE_SETTING.availabilityDomains}`,
    );
  }
  const vpus = Number(value(OKE_SETTING.vpusPerGB) ?? '10');
  if (!(VPUS_PER_GB as readonly number[]).includes(vpus)) {
    refuse(OKE_SETTING.vpusPerGB, `${OKE_SETTING.vpusPerGB} must be one of ${VPUS_PER_GB.join(', ')}`);
  }
  const endpoint = value(OKE_SETTING.endpoint)
    ?.replace(/\/+$/, '')
    .replace(/\/20160918$/, '');
  if (endpoint !== undefined) {
    if (!/^https?:\/\/[^/]+/.test(endpoint)) {
      refuse(OKE_SETTING.endpoint, `${OKE_SETTING.endpoint} "${endpoint}" is not an http(s) URL`);
    }
    if (!endpoint.includes('{region}') && availabilityDomains.size > 1) {
      refuse(
        OKE_SETTING.endpoint,
        `${OKE_SETTING.endpoint} must contain {region} when ${OKE_SETTING.availabilityDomains} names several regions`,
      );
    }
  }
  const profile = value(OKE_SETTING.profile);
  return {
    compartmentId,
    availabilityDomains,
    home,
    vpusPerGB: vpus,
    ...(profile === undefined ? {} : { profile }),
    ...(endpoint === undefined ? {} : { endpoint }),
  };
}

/** The endpoint a region's clients use, or undefined for the SDK's own. */
export function endpointFor(settings: OkeSettings, region: string): string | undefined {
  return settings.endpoint?.replaceAll('{region}', region);
}
