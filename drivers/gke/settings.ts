// Settings of the gke provider, from the KOM Provider and Cluster `settings` maps (a Cluster value
// wins over a Provider value of the same key). Every GCP_* key is checked, so a misspelt setting
// is refused instead of silently falling back to a default.
//
//   GCP_PROJECT   the project disks and snapshots live in. Optional: without it the project of
//                 the credentials is used, as Google's client libraries find it
//                 (GOOGLE_CLOUD_PROJECT, the key file's project_id, gcloud, the metadata server).
//   GCP_REGION    the home region (us-central1): default zone, short zone names (`a`, `1`).
//   GCP_REGIONS   more regions (comma list) the driver lists and makes disks in.
//   GCP_DISK_TYPE default type of new disks (pd-balanced); a disk's `type` option wins.
//   CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE
//                 another Compute Engine endpoint (a private or sovereign one), spelt as gcloud
//                 takes it: `https://HOST[:PORT]/compute/v1/`. Tests point it at the fake.
//
// Credentials are never settings: they come from Application Default Credentials in the worker's
// environment (GOOGLE_APPLICATION_CREDENTIALS, gcloud's application-default login, the GKE or
// GCE metadata server).
import type { DriverContext } from '../driver';
import { invalidArgument } from '../errors';
import { PD_TYPES, type PdType } from './pd-options';

export const GKE_SETTING = {
  project: 'GCP_PROJECT',
  region: 'GCP_REGION',
  regions: 'GCP_REGIONS',
  diskType: 'GCP_DISK_TYPE',
  endpoint: 'CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE',
} as const;

const KNOWN: readonly string[] = Object.values(GKE_SETTING);
const REGION = /^[a-z]+-[a-z]+\d+$/;
// Project ids: 6-30 characters, a letter first; domain-scoped projects carry `example.com:`.
const PROJECT = /^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/** Where the Compute Engine API is reached. */
export interface ComputeEndpoint {
  protocol: 'https' | 'http';
  host: string;
  port: number;
}

export interface GkeSettings {
  project?: string;
  region: string;
  /** GCP_REGIONS without the home region, in the order given. */
  extraRegions: string[];
  diskType: PdType;
  /** Undefined: compute.googleapis.com, the client library's default. */
  endpoint?: ComputeEndpoint;
}

function refuse(key: string, message: string): never {
  throw invalidArgument(message, { setting: key });
}

export function checkRegion(key: string, region: string): string {
  if (!REGION.test(region)) refuse(key, `${key} "${region}" is not a GCP region name (like us-central1)`);
  return region;
}

/** gcloud's spelling of an endpoint override: scheme, host, optional port, then `/compute/v1/`. */
export function parseComputeEndpoint(value: string): ComputeEndpoint {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return refuse(GKE_SETTING.endpoint, `${GKE_SETTING.endpoint} "${value}" is not a URL`);
  }
  const protocol = url.protocol.replace(/:$/, '');
  if (protocol !== 'https' && protocol !== 'http') {
    refuse(GKE_SETTING.endpoint, `${GKE_SETTING.endpoint} must be an https:// (or http://) URL`);
  }
  // The client library adds /compute/v1/ itself; gcloud's form ends with it.
  if (!['', '/', '/compute/v1', '/compute/v1/'].includes(url.pathname) || url.search !== '') {
    refuse(
      GKE_SETTING.endpoint,
      `${GKE_SETTING.endpoint} "${value}" must be like https://compute.example.com/compute/v1/ (no other path)`,
    );
  }
  const port = url.port === '' ? (protocol === 'https' ? 443 : 80) : Number(url.port);
  return { protocol: protocol as 'https' | 'http', host: url.hostname, port };
}

export function readGkeSettings(ctx: DriverContext): GkeSettings {
  const merged: Record<string, string> = { ...ctx.providerSettings, ...ctx.clusterSettings };
  for (const key of Object.keys(merged)) {
    if (KNOWN.includes(key)) continue;
    if (key === 'GOOGLE_APPLICATION_CREDENTIALS' || key.startsWith('GOOGLE_')) {
      refuse(
        key,
        `${key} is not a gke setting: credentials come only from Application Default Credentials in the worker's environment; remove it from the KOM settings`,
      );
    }
    if (key.startsWith('GCP_') || key.startsWith('CLOUDSDK_')) {
      refuse(key, `unknown gke setting ${key} (known: ${KNOWN.join(', ')}); fix or remove it`);
    }
  }
  const value = (key: string): string | undefined => {
    const v = merged[key]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const project = value(GKE_SETTING.project);
  if (project !== undefined && !PROJECT.test(project)) {
    refuse(GKE_SETTING.project, `${GKE_SETTING.project} "${project}" is not a GCP project id`);
  }
  const region = value(GKE_SETTING.region);
  if (region === undefined) {
    refuse(GKE_SETTING.region, `set ${GKE_SETTING.region} (the cluster's region, like us-central1)`);
  }
  checkRegion(GKE_SETTING.region, region);
  const extraRegions = [
    ...new Set(
      (value(GKE_SETTING.regions) ?? '')
        .split(',')
        .map((r) => r.trim())
        .filter((r) => r !== '' && r !== region)
        .map((r) => checkRegion(GKE_SETTING.regions, r)),
    ),
  ];
  const diskType = value(GKE_SETTING.diskType) ?? 'pd-balanced';
  if (!(PD_TYPES as readonly string[]).includes(diskType)) {
    refuse(
      GKE_SETTING.diskType,
      `${GKE_SETTING.diskType} "${diskType}" is not a disk type the gke driver makes (${PD_TYPES.join(', ')})`,
    );
  }
  const endpoint = value(GKE_SETTING.endpoint);
  return {
    region,
    extraRegions,
    diskType: diskType as PdType,
    ...(project === undefined ? {} : { project }),
    ...(endpoint === undefined ? {} : { endpoint: parseComputeEndpoint(endpoint) }),
  };
}
