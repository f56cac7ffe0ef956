// spec.snapshots.copyToRegion checked against the provider before anything is done: the KOM is
// validated offline and cannot know the provider's regions, so deploy (its validate step) and
// each snapshot run ask the driver. A provider that cannot copy across regions, a region it does
// not know and the app's own region are refused with the field named.
import type { ProviderDriver } from '../drivers/driver';
import type { AppTarget } from '../api/app-target';
import { refuse } from './failures';

export const COPY_TO_REGION_FIELD = 'spec.snapshots.copyToRegion';

export interface CopyRegion {
  /** Where snapshots are copied to. */
  region: string;
  /** The app's own region, where its snapshots are taken. */
  home: string;
}

/** The checked copy region of `target`; undefined when its policy copies nothing. */
export async function checkCopyToRegion(
  driver: ProviderDriver,
  target: AppTarget,
): Promise<CopyRegion | undefined> {
  const region = target.snapshots?.copyToRegion;
  if (region === undefined) return undefined;
  const provider = `provider ${target.provider.name} (driver ${driver.driverName})`;
  if (!driver.capabilities.crossRegionCopy)
    refuse(
      `${COPY_TO_REGION_FIELD}: ${provider} cannot copy snapshots to another region; remove ${COPY_TO_REGION_FIELD}`,
      'InvalidArgument',
    );
  const known = (await driver.listRegions()).map((r) => r.name);
  if (!known.includes(region))
    refuse(
      `${COPY_TO_REGION_FIELD}: "${region}" is not a region of ${provider} (known: ${known.join(', ')})`,
      'InvalidArgument',
    );
  // The app's disks (and so its snapshots) live in its deployment zone's region, else the provider's home.
  const home = target.deploymentZone
    ? (await driver.resolveZone(target.deploymentZone)).region
    : (await driver.diskOffering({})).region;
  if (region === home)
    refuse(
      `${COPY_TO_REGION_FIELD}: "${region}" is the app's own region, where its snapshots already are; name another region or remove the field`,
      'InvalidArgument',
    );
  return { region, home };
}
