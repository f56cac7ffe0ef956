// Which lane each operation kind runs in, and how long it may take before the controller
// cancels it. Lanes are strict priorities: a queued operation of a higher lane always runs
// before one of a lower lane, whatever their order of arrival.
import { LANES, type Lane, type OperationKind, type OperationRequest } from '../api/operation';

const LANE_OF: Record<Exclude<OperationKind, 'test.hold'>, Lane> = {
  'app.failover': 'failover',
  'app.migrate': 'migrate',
  'kept.prune': 'maintenance',
  'app.deploy': 'app',
  'app.destroy': 'app',
  'snapshot.restore': 'app',
  'snapshot.create': 'maintenance',
  'snapshot.delete': 'maintenance',
  'snapshot.prune': 'maintenance',
  'disk.create': 'maintenance',
  'disk.bootstrap': 'maintenance',
  'disk.assign': 'maintenance',
  'disk.delete': 'maintenance',
};

/** Defaults in seconds; a request's `deadlineSeconds` overrides them. */
const DEADLINE_SECONDS: Record<Exclude<OperationKind, 'test.hold'>, number> = {
  'app.failover': 20 * 60,
  // Cross-region copies of big disks take hours on some clouds.
  'app.migrate': 12 * 60 * 60,
  'kept.prune': 60 * 60,
  'app.deploy': 30 * 60,
  'app.destroy': 15 * 60,
  'snapshot.restore': 2 * 60 * 60,
  'snapshot.create': 2 * 60 * 60,
  'snapshot.delete': 30 * 60,
  'snapshot.prune': 60 * 60,
  'disk.create': 60 * 60,
  'disk.bootstrap': 60 * 60,
  'disk.assign': 15 * 60,
  'disk.delete': 30 * 60,
};

/** A deploy's rollout wait plus the steps around it must fit in its deadline. */
const DEPLOY_MARGIN_SECONDS = 15 * 60;

export function laneOf(request: OperationRequest): Lane {
  return request.kind === 'test.hold' ? request.lane : LANE_OF[request.kind];
}

/** Lower is more urgent. */
export function lanePriority(lane: Lane): number {
  return LANES.indexOf(lane);
}

export function deadlineSecondsOf(request: OperationRequest): number {
  if (request.deadlineSeconds) return request.deadlineSeconds;
  if (request.kind === 'test.hold') return request.seconds + 60;
  if (request.kind === 'app.deploy' && request.rolloutTimeoutSeconds)
    return Math.max(DEADLINE_SECONDS['app.deploy'], request.rolloutTimeoutSeconds + DEPLOY_MARGIN_SECONDS);
  return DEADLINE_SECONDS[request.kind];
}
