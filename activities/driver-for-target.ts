// The provider driver for an app target (drivers are stateless and cheap to build; cloud SDKs
// load lazily inside the registry).
import type { ProviderDriver } from '../drivers/driver';
import { createDriver } from '../drivers/registry';
import type { AppTarget } from '../workflows/app-target';
import type { ActivityDeps } from './deps';

/** `onProgress`: called while one driver call does long work (heartbeat there). */
export function driverFor(
  deps: ActivityDeps,
  target: AppTarget,
  onProgress?: () => void,
): Promise<ProviderDriver> {
  return createDriver(target.provider.driver, {
    ...(onProgress ? { onProgress } : {}),
    workspace: target.workspace,
    provider: target.provider.name,
    cluster: target.cluster.name,
    providerSettings: target.provider.settings,
    clusterSettings: target.cluster.settings,
    stateDir: deps.stateDir,
  });
}
