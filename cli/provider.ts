// The provider driver for read-only commands (lists), built the way the worker builds it.
import type { ProviderDriver } from '../drivers/driver';
import { createDriver } from '../drivers/registry';
import { devDir } from '../workers/dev-dir';
import type { AppTarget } from '../workflows/app-target';

export function driverForTarget(target: AppTarget): Promise<ProviderDriver> {
  return createDriver(target.provider.driver, {
    workspace: target.workspace,
    provider: target.provider.name,
    cluster: target.cluster.name,
    providerSettings: target.provider.settings,
    clusterSettings: target.cluster.settings,
    stateDir: devDir(),
  });
}
