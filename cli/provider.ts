// The provider driver for read-only commands (lists), built as the worker builds it; the
// local provider's state is in the dev directory, as for the dev stack's worker.
import type { ProviderDriver } from '../drivers/driver';
import { driverFor } from '../activities/driver-for-target';
import { devDir } from '../workers/dev-dir';
import type { AppTarget } from '../api/app-target';

export function driverForTarget(target: AppTarget): Promise<ProviderDriver> {
  return driverFor({ stateDir: devDir() }, target);
}
