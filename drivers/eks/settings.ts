// Settings of the eks provider, from the KOM Provider and Cluster `settings` maps (a Cluster value
// wins over a Provider value of the same key, as for `local` and `k3s`). Every AWS_* key is
// checked, so a misspelt setting is refused instead of silently falling back to a default.
//
//   AWS_REGION           the home region: default zone, short zone names, where listings start.
//                        Optional: without it the worker's environment gives it as the AWS SDK
//                        does (env AWS_REGION, then AWS_DEFAULT_REGION as the AWS CLI reads it,
//                        then the `region` of the profile in ~/.aws/config). Set it on the
//                        Cluster so every worker agrees.
//   AWS_REGIONS          more regions the driver sees (comma list): listings, cross-region copies
//                        and disks in their zones. The home region is always included.
//   AWS_EBS_VOLUME_TYPE  default volume type of new disks (gp3); a disk's `type` option wins.
//   AWS_EBS_KMS_KEY_ID   when set, new disks are encrypted with this KMS key (id, alias or ARN).
//
// Credentials and the endpoint are never settings: they come only from the AWS SDK's standard
// chain in the worker's environment, and the worker configuration picks within it (a profile of
// the worker's AWS config files: DriverContext.aws) (AWS_ACCESS_KEY_ID..., profiles, web identity, IMDS;
// AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL), so tests point the driver at moto the same way users
// point it at AWS.
import type { DriverContext } from '../driver';
import { invalidArgument } from '../errors';
import { EBS_VOLUME_TYPES, type EbsVolumeType } from './ebs-options';

export const EKS_SETTING = {
  region: 'AWS_REGION',
  regions: 'AWS_REGIONS',
  volumeType: 'AWS_EBS_VOLUME_TYPE',
  kmsKeyId: 'AWS_EBS_KMS_KEY_ID',
} as const;

const KNOWN: readonly string[] = Object.values(EKS_SETTING);
const CREDENTIAL_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const PROFILE = /^[A-Za-z0-9_.+@-]{1,128}$/;

export interface EksSettings {
  /** From AWS_REGION; undefined when the SDK's chain must give it (see homeRegionFromEnvironment). */
  region?: string;
  /** AWS_REGIONS, without the home region, in the order given. */
  extraRegions: string[];
  volumeType: EbsVolumeType;
  kmsKeyId?: string;
  profile?: string;
}

function refuse(key: string, message: string): never {
  throw invalidArgument(message, { setting: key });
}

function checkRegion(key: string, region: string): string {
  if (!REGION.test(region)) refuse(key, `${key} "${region}" is not an AWS region name (like us-east-1)`);
  return region;
}

export function readEksSettings(ctx: DriverContext): EksSettings {
  const merged: Record<string, string> = { ...ctx.providerSettings, ...ctx.clusterSettings };
  for (const key of Object.keys(merged).filter((k) => k.startsWith('AWS_') && !KNOWN.includes(k))) {
    if (CREDENTIAL_KEYS.includes(key)) {
      refuse(
        key,
        `${key} is not an eks setting: credentials come only from the AWS SDK's standard chain in the worker's environment (env, AWS_PROFILE and ~/.aws/credentials, web identity, instance metadata), picked by the worker configuration; remove it from the KOM settings`,
      );
    }
    if (key === 'AWS_PROFILE') {
      refuse(
        key,
        `${key} is not an eks setting: which credentials a Provider uses is the worker's choice; set aws: { profile: NAME } under providers in the worker configuration and remove it from the KOM settings`,
      );
    }
    if (key.startsWith('AWS_ENDPOINT_URL')) {
      refuse(
        key,
        `${key} is not an eks setting: the EC2 endpoint comes from the worker's environment (AWS_ENDPOINT_URL_EC2 or AWS_ENDPOINT_URL); remove it from the KOM settings`,
      );
    }
    refuse(key, `unknown eks setting ${key} (known: ${KNOWN.join(', ')}); fix or remove it`);
  }
  const value = (key: string): string | undefined => {
    const v = merged[key]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const region = value(EKS_SETTING.region);
  if (region !== undefined) checkRegion(EKS_SETTING.region, region);
  const extraRegions = [
    ...new Set(
      (value(EKS_SETTING.regions) ?? '')
        .split(',')
        .map((r) => r.trim())
        .filter((r) => r !== '')
        .map((r) => checkRegion(EKS_SETTING.regions, r)),
    ),
  ];
  const volumeType = value(EKS_SETTING.volumeType) ?? 'gp3';
  if (!(EBS_VOLUME_TYPES as readonly string[]).includes(volumeType)) {
    refuse(
      EKS_SETTING.volumeType,
      `${EKS_SETTING.volumeType} "${volumeType}" is not an EBS volume type (use one of ${EBS_VOLUME_TYPES.join(', ')})`,
    );
  }
  const profile = ctx.aws?.profile;
  if (profile !== undefined && !PROFILE.test(profile)) {
    throw invalidArgument(`the worker configuration's AWS profile "${profile}" is not a valid profile name`);
  }
  const kmsKeyId = value(EKS_SETTING.kmsKeyId);
  return {
    extraRegions,
    volumeType: volumeType as EbsVolumeType,
    ...(region === undefined ? {} : { region }),
    ...(kmsKeyId === undefined ? {} : { kmsKeyId }),
    ...(profile === undefined ? {} : { profile }),
  };
}

/**
 * The home region when AWS_REGION is not set: env AWS_REGION, env AWS_DEFAULT_REGION, then what
 * `profileRegion` (the SDK's shared-config lookup) gives; InvalidArgument naming the setting.
 */
export async function homeRegionFromEnvironment(
  env: NodeJS.ProcessEnv,
  profileRegion: () => Promise<string | undefined>,
): Promise<string> {
  for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION']) {
    const v = env[name]?.trim();
    if (v) return checkRegion(name, v);
  }
  const fromProfile = await profileRegion().catch(() => undefined);
  if (fromProfile) return checkRegion('the profile region', fromProfile);
  return refuse(
    EKS_SETTING.region,
    `no home region: set ${EKS_SETTING.region} in the Cluster (or Provider) settings, or give the worker AWS_REGION, AWS_DEFAULT_REGION or a profile with a region`,
  );
}
