// All activities the worker registers, built from their dependencies once at start-up.
import type { ActivityDeps } from './deps';
import { appKubeActivities } from './app-kube';
import { appRuntimeActivities } from './app-runtime';
import { diskActivities } from './disks';
import { snapshotActivities } from './snapshots';

export function createActivities(deps: ActivityDeps) {
  return {
    ...diskActivities(deps),
    ...appKubeActivities(deps),
    ...appRuntimeActivities(deps),
    ...snapshotActivities(deps),
  };
}

export type KompoxActivities = ReturnType<typeof createActivities>;
