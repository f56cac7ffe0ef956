// What activities are built from: set once when the worker starts.
export interface ActivityDeps {
  /** Dev directory: home of the local provider's disks unless a Provider sets LOCAL_ROOT. */
  stateDir: string;
}
