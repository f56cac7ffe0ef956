// What activities are built from: set once when the worker starts.
import type { WorkerAccess } from './worker-access';

export interface ActivityDeps {
  /** Dev directory: home of the local provider's disks unless a Provider sets LOCAL_ROOT. */
  stateDir: string;
  /** The clusters and local roots this worker may reach (its configuration file). */
  access: WorkerAccess;
  /** The dev stack's control plane (dev stack workers only). */
  devCluster?: DevClusterAccess;
}

export interface DevClusterAccess {
  /**
   * Its admin kubeconfig while it runs: where `dev` routes go; with `cluster`, that of the dev
   * stack's extra cluster of that name (`dev up --extra-cluster`).
   */
  kubeconfig(cluster?: string): Promise<string | undefined>;
  /**
   * Powers off one of its real nodes, the `local` provider's fencing (a cloud stops the VM).
   * False for a node it has no machine for (a kwok node), which is then only recorded as fenced.
   */
  powerOffNode(name: string): Promise<boolean>;
}
