// What the CLI's own in-process work (`app render`) reaches: the CLI runs with its user's
// credentials, so a Cluster's KUBECONFIG is used as named, and any other Cluster means the
// dev cluster; the local provider's disks are in the dev directory unless LOCAL_ROOT says.
import type { ActivityDeps } from '../activities/deps';
import { devDir } from '../dev/dev-dir';
import { devClusterAccess } from '../dev/dev-stack';
import type { AppTarget } from '../api/app-target';

export function cliDeps(target: AppTarget): ActivityDeps {
  const { id, settings } = target.cluster;
  return {
    stateDir: devDir(),
    devCluster: devClusterAccess(devDir()),
    access: {
      source: 'the CLI (your own credentials)',
      clusters: {
        [id]: settings.KUBECONFIG
          ? {
              kind: 'kubeconfig',
              path: settings.KUBECONFIG,
              ...(settings.KUBE_CONTEXT ? { context: settings.KUBE_CONTEXT } : {}),
            }
          : { kind: 'dev' },
      },
      localRoots: { '*': ['*'] },
    },
  };
}
