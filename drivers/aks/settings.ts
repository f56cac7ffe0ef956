// Settings of the aks provider, from the KOM Provider and Cluster `settings` maps (a Cluster value
// wins over a Provider value of the same key). Every AZURE_* key is checked, so a misspelt setting
// is refused instead of silently falling back to a default.
//
//   AZURE_SUBSCRIPTION_ID            subscription of the disks and snapshots (required)
//   AZURE_RESOURCE_GROUP             resource group Kompox keeps disks and snapshots in (required)
//   AZURE_LOCATION                   the home region (eastus2): default zone, short zone names (required)
//   AZURE_LOCATIONS                  more regions (comma list) for listings, copies and disks there
//   AZURE_ZONES                      `location:1,2,3;location:` zones per region; default 1,2,3 everywhere
//   AZURE_DISK_SKU                   SKU of new disks (Premium_LRS); a disk's `sku` option wins
//   AZURE_RESOURCE_MANAGER_ENDPOINT  ARM endpoint for sovereign or private clouds, as `az cloud
//                                    register --endpoint-resource-manager` names it (https only)
//   AZURE_RESOURCE_MANAGER_AUDIENCE  token audience of that endpoint (default: the endpoint itself)
//
// Credentials are never settings: they come from @azure/identity's DefaultAzureCredential chain in
// the worker's environment (environment service principal, AKS workload identity, managed
// identity, Azure CLI, ...), so tests point the driver at a fake the way users point it at Azure.
import type { DriverContext } from '../driver';
import { invalidArgument } from '../errors';
import { DISK_SKUS, type DiskSku } from './disk-options';

export const AKS_SETTING = {
  subscriptionId: 'AZURE_SUBSCRIPTION_ID',
  resourceGroup: 'AZURE_RESOURCE_GROUP',
  location: 'AZURE_LOCATION',
  locations: 'AZURE_LOCATIONS',
  zones: 'AZURE_ZONES',
  diskSku: 'AZURE_DISK_SKU',
  endpoint: 'AZURE_RESOURCE_MANAGER_ENDPOINT',
  audience: 'AZURE_RESOURCE_MANAGER_AUDIENCE',
} as const;

const KNOWN: readonly string[] = Object.values(AKS_SETTING);
const CREDENTIAL_KEYS = [
  'AZURE_CLIENT_ID',
  'AZURE_CLIENT_SECRET',
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_CERTIFICATE_PATH',
  'AZURE_CLIENT_CERTIFICATE_PASSWORD',
  'AZURE_FEDERATED_TOKEN_FILE',
  'AZURE_USERNAME',
  'AZURE_PASSWORD',
];
const LOCATION = /^[a-z][a-z0-9]{1,39}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Resource group names: letters, digits, `_-.()`, not ending in `.`, at most 90.
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
const DEFAULT_ZONES = ['1', '2', '3'];

export interface AksSettings {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  /** Every region the driver sees, the home region first. */
  locations: string[];
  /** Zones of each region in `locations` (API names: `1`, `2`, `3`). */
  zones: Record<string, string[]>;
  diskSku: DiskSku;
  /** ARM endpoint without a trailing slash. */
  endpoint: string;
  /** OAuth scope the ARM token is asked for. */
  scope: string;
}

function refuse(key: string, message: string): never {
  throw invalidArgument(message, { setting: key });
}

function checkLocation(key: string, location: string): string {
  if (!LOCATION.test(location))
    refuse(key, `${key} "${location}" is not an Azure region name (like eastus2)`);
  return location;
}

function parseZones(text: string | undefined, locations: string[]): Record<string, string[]> {
  const zones: Record<string, string[]> = Object.fromEntries(locations.map((l) => [l, DEFAULT_ZONES]));
  for (const part of (text ?? '').split(';').filter((p) => p.trim() !== '')) {
    const [location, list = ''] = part.split(':').map((s) => s.trim());
    if (location === undefined || !locations.includes(location))
      refuse(
        AKS_SETTING.zones,
        `${AKS_SETTING.zones} names "${location}", not one of ${locations.join(', ')}`,
      );
    const names = list
      .split(',')
      .map((z) => z.trim())
      .filter((z) => z !== '');
    if (names.some((z) => !/^[1-9]$/.test(z)))
      refuse(AKS_SETTING.zones, `${AKS_SETTING.zones}: zones of ${location} must be logical zones 1-9`);
    zones[location] = names;
  }
  return zones;
}

export function readAksSettings(ctx: DriverContext): AksSettings {
  const merged: Record<string, string> = { ...ctx.providerSettings, ...ctx.clusterSettings };
  for (const key of Object.keys(merged).filter((k) => k.startsWith('AZURE_') && !KNOWN.includes(k))) {
    if (CREDENTIAL_KEYS.includes(key)) {
      refuse(
        key,
        `${key} is not an aks setting: credentials come only from the DefaultAzureCredential chain in the worker's environment (AZURE_CLIENT_ID/AZURE_TENANT_ID with a secret, certificate or workload identity token, managed identity, Azure CLI); remove it from the KOM settings`,
      );
    }
    refuse(key, `unknown aks setting ${key} (known: ${KNOWN.join(', ')}); fix or remove it`);
  }
  const value = (key: string): string | undefined => {
    const v = merged[key]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const required = (key: string, what: string): string =>
    value(key) ?? refuse(key, `${key} is required: ${what}; set it in the Provider (or Cluster) settings`);

  const subscriptionId = required(AKS_SETTING.subscriptionId, 'the subscription that holds the disks');
  if (!UUID.test(subscriptionId))
    refuse(AKS_SETTING.subscriptionId, `${AKS_SETTING.subscriptionId} "${subscriptionId}" is not a UUID`);
  const resourceGroup = required(AKS_SETTING.resourceGroup, 'the resource group Kompox keeps disks in');
  if (!RESOURCE_GROUP.test(resourceGroup))
    refuse(
      AKS_SETTING.resourceGroup,
      `${AKS_SETTING.resourceGroup} "${resourceGroup}" is not a resource group name`,
    );
  const location = checkLocation(
    AKS_SETTING.location,
    required(AKS_SETTING.location, "the cluster's region, like eastus2"),
  );
  const locations = [
    ...new Set([
      location,
      ...(value(AKS_SETTING.locations) ?? '')
        .split(',')
        .map((r) => r.trim())
        .filter((r) => r !== '')
        .map((r) => checkLocation(AKS_SETTING.locations, r)),
    ]),
  ];
  const diskSku = value(AKS_SETTING.diskSku) ?? 'Premium_LRS';
  if (!(DISK_SKUS as readonly string[]).includes(diskSku))
    refuse(
      AKS_SETTING.diskSku,
      `${AKS_SETTING.diskSku} "${diskSku}" is not a disk SKU (${DISK_SKUS.join(', ')})`,
    );
  const endpoint = (value(AKS_SETTING.endpoint) ?? 'https://management.azure.com').replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return refuse(AKS_SETTING.endpoint, `${AKS_SETTING.endpoint} "${endpoint}" is not a URL`);
  }
  // The SDK sends bearer tokens only over TLS.
  if (url.protocol !== 'https:')
    refuse(AKS_SETTING.endpoint, `${AKS_SETTING.endpoint} must be an https URL (got ${endpoint})`);
  const audience = (value(AKS_SETTING.audience) ?? url.origin).replace(/\/+$/, '');
  return {
    subscriptionId,
    resourceGroup,
    location,
    locations,
    zones: parseZones(value(AKS_SETTING.zones), locations),
    diskSku: diskSku as DiskSku,
    endpoint,
    scope: `${audience}/.default`,
  };
}
