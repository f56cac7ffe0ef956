// The provider driver for an app target (drivers are stateless and cheap to build; cloud SDKs
// load lazily inside the registry). A local root the worker was not configured for is refused.
import { join } from 'node:path';
import type { ProviderDriver } from '../drivers/driver';
import { createDriver } from '../drivers/registry';
import type { AppTarget } from '../api/app-target';
import type { ActivityDeps } from './deps';
import { kubeConfigFor } from './cluster-access';
import { awsAccess, checkLocalRoot } from './worker-access';

/** `onProgress`: called while one driver call does long work (heartbeat there). */
export function driverFor(
  deps: ActivityDeps,
  target: AppTarget,
  onProgress?: () => void,
): Promise<ProviderDriver> {
  if (target.provider.driver === 'local') {
    checkLocalRoot(deps.access, target, target.provider.settings.LOCAL_ROOT ?? join(deps.stateDir, 'local'));
  }
  return createDriver(target.provider.driver, {
    ...(onProgress ? { onProgress } : {}),
    workspace: target.workspace,
    provider: target.provider.name,
    cluster: target.cluster.name,
    providerSettings: target.provider.settings,
    clusterSettings: target.cluster.settings,
    stateDir: deps.stateDir,
    // Lazily: only drivers that keep disks as Kubernetes objects reach the cluster.
    kubeConfig: () => kubeConfigFor(deps, target),
    ...(deps.devCluster ? { powerOffNode: (node: string) => deps.devCluster!.powerOffNode(node) } : {}),
    // Cloud credentials are the worker's to give: refused for a Provider it was not configured for.
    ...(target.provider.driver === 'eks' ? { aws: awsAccess(deps.access, target) } : {}),
  });
}
