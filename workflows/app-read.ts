// What the CLI reads about an app (disks, snapshots, what runs in the cluster, a zone name),
// read by the worker with bounded retries: the CLI holds no cloud or cluster credentials, a
// transient fault is retried, and a failure reaches the user as one line with its reason.
// It is not an operation: it changes nothing and does not go through the controller's queue.
import type { AppRuntime } from '../activities/app-runtime';
import type { PlanMigrationInput } from '../activities/migration';
import type { MigrationPlan } from '../api/migration';
import type { SnapshotView } from '../activities/snapshot-view';
import type { ZoneInfo } from '../drivers/driver';
import type { AppRevision } from '../api/app-revision';
import type { AppTarget } from '../api/app-target';
import type { DiskView } from '../api/messages';
import type { AssignedDisk } from '../kube/convert/types';
import { readActivities } from './activity-proxies';

export interface AppReadRequest {
  target: AppTarget;
  /** Disks of one volume, or of every volume with `{}`. */
  disks?: { volume?: string };
  snapshots?: { volume?: string };
  runtime?: boolean;
  zone?: string;
  /** The assigned disk (with its PV source) of each of these volumes; volumes with none are left out. */
  assignedDisks?: { volumes: string[] };
  /** Render these revisions (the local one and the deployed one, for `app diff`). */
  render?: AppRevision[];
  /** Plan a migration of the app from `target` (where it runs): what `app migrate --dry-run` prints. */
  migrationPlan?: Omit<PlanMigrationInput, 'source'>;
}

export interface AppReadResult {
  disks?: DiskView[];
  snapshots?: SnapshotView[];
  runtime?: AppRuntime;
  zone?: ZoneInfo;
  assignedDisks?: Record<string, AssignedDisk>;
  /** YAML per revision in `render`, in the same order, Secret values masked. */
  rendered?: string[];
  migrationPlan?: MigrationPlan;
}

export async function appReadWorkflow(request: AppReadRequest): Promise<AppReadResult> {
  const { target } = request;
  const [disks, snapshots, runtime, zone, rendered, assignedDisks, migrationPlan] = await Promise.all([
    request.disks ? readActivities().listDisks({ target, ...request.disks }) : undefined,
    request.snapshots ? readActivities().listSnapshots({ target, ...request.snapshots }) : undefined,
    request.runtime ? readActivities().appRuntime({ target }) : undefined,
    request.zone ? readActivities().resolveZone({ target, zone: request.zone }) : undefined,
    request.render
      ? Promise.all(request.render.map((revision) => readActivities().renderRevision({ target, revision })))
      : undefined,
    request.assignedDisks ? readActivities().assignedDisks({ target, ...request.assignedDisks }) : undefined,
    request.migrationPlan
      ? readActivities().planMigration({ source: target, ...request.migrationPlan })
      : undefined,
  ]);
  return {
    ...(disks ? { disks } : {}),
    ...(snapshots ? { snapshots } : {}),
    ...(runtime ? { runtime } : {}),
    ...(zone ? { zone } : {}),
    ...(rendered ? { rendered } : {}),
    ...(assignedDisks ? { assignedDisks } : {}),
    ...(migrationPlan ? { migrationPlan } : {}),
  };
}
