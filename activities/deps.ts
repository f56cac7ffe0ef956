// What activities are built from: set once when the worker starts.
import type { WorkerAccess } from './worker-access';

export interface ActivityDeps {
  /** Dev directory: home of the local provider's disks unless a Provider sets LOCAL_ROOT. */
  stateDir: string;
  /** The clusters and local roots this worker may reach (its configuration file). */
  access: WorkerAccess;
  /** The dev cluster's kubeconfig while it runs (dev stack workers only): where `dev` routes go. */
  devClusterKubeconfig?: () => Promise<string | undefined>;
}
