// All activities the worker registers, built from their dependencies once at start-up.
import type { ActivityDeps } from './deps';
import { appKubeActivities } from './app-kube';
import { appFailoverActivities } from './app-failover';
import { appRuntimeActivities } from './app-runtime';
import { diskActivities } from './disks';
import { nodeIncidentActivities } from './node-incident';
import { snapshotActivities } from './snapshots';
import { migrationActivities } from './migration';

export function createActivities(deps: ActivityDeps) {
  return {
    ...diskActivities(deps),
    ...appKubeActivities(deps),
    ...appRuntimeActivities(deps),
    ...snapshotActivities(deps),
    ...appFailoverActivities(deps),
    ...nodeIncidentActivities(deps),
    ...migrationActivities(deps),
  };
}

export type KompoxActivities = ReturnType<typeof createActivities>;
