// All activities the worker registers, built from their dependencies once at start-up.
import type { ActivityDeps } from './deps';
import { appKubeActivities } from './app-kube';
import { diskActivities } from './disks';

export function createActivities(deps: ActivityDeps) {
  return {
    ...diskActivities(deps),
    ...appKubeActivities(deps),
  };
}

export type KompoxActivities = ReturnType<typeof createActivities>;
