// Checks and orderings every provider applies the same way: Kompox names are lowercase DNS
// labels, user tag keys must fit every cloud, a saved operation handle carries its poll state,
// and lists come newest first.
import type { DiskRef, VolumeRef } from './driver';
import { DriverError, invalidArgument } from './errors';
import type { JsonObject } from './long-operation';
import { TAG, type Tags, userTagKeyProblem } from './tags';

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** InvalidArgument unless `name` (an app, volume, disk or snapshot name) is a lowercase DNS label. */
export function checkName(what: string, name: string): void {
  if (!NAME.test(name))
    throw invalidArgument(`${what} "${name}" must be a lowercase DNS label (a-z, 0-9, -; at most 63)`);
}

/** A copy of the user tags; InvalidArgument naming the first key no cloud would take. */
export function checkUserTags(tags: Tags | undefined): Tags {
  for (const key of Object.keys(tags ?? {})) {
    const problem = userTagKeyProblem(key);
    if (problem !== undefined) throw invalidArgument(problem);
  }
  return { ...tags };
}

/** A string field of an operation handle's poll state. */
export function pollString(state: JsonObject, key: string): string {
  const v = state[key];
  if (typeof v !== 'string') throw invalidArgument(`operation poll state lacks "${key}"`);
  return v;
}

/** A number field of an operation handle's poll state. */
export function pollNumber(state: JsonObject, key: string): number {
  const v = state[key];
  if (typeof v !== 'number') throw invalidArgument(`operation poll state lacks "${key}"`);
  return v;
}

/** Newest first, then name ascending (the reference's order for disk and snapshot lists). */
export function newestFirst<T extends { createdAt: string; name: string }>(a: T, b: T): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Why a disk is not deleted: it is the volume's assigned disk (InUse, `reason: 'assigned'`). */
export function assignedDiskInUse(ref: DiskRef): DriverError {
  return new DriverError(
    'InUse',
    `disk ${ref.name} is the assigned disk of ${ref.app}/${ref.volume}; assign another first`,
    { details: { reason: 'assigned' } },
  );
}

/** Why a disk is not deleted: a machine has it attached (InUse, `reason: 'attached'`). */
export function attachedDiskInUse(ref: DiskRef, instanceIds: string[]): DriverError {
  return new DriverError('InUse', `disk ${ref.name} is attached to ${instanceIds.join(', ')}`, {
    details: { reason: 'attached' },
  });
}

/** The one assigned disk a snapshot is taken of when none is named; InvalidArgument otherwise. */
export function soleAssignedDisk<T>(ref: VolumeRef, assigned: T[]): T {
  if (assigned.length !== 1) {
    throw invalidArgument(
      `volume ${ref.app}/${ref.volume} has ${assigned.length} assigned disks; name the disk to snapshot`,
    );
  }
  return assigned[0]!;
}

/** Conflict when a resource found by the operation key was made by a different request. */
export function checkSameRequest(kind: string, tags: Tags | undefined, hash: string): void {
  if (tags?.[TAG.requestHash] !== hash) {
    throw new DriverError(
      'Conflict',
      `idempotency key was already used for a different ${kind} request (${tags?.[TAG.diskName] ?? tags?.[TAG.snapshotName] ?? 'unnamed'})`,
      { details: { reason: 'idempotencyKey' } },
    );
  }
}

/**
 * The first made of several resources with one Kompox name (only racing creates with different
 * keys make two): it stands, as the first claim does in the local driver.
 */
export function oldest<T extends { createdAt: string }>(items: T[]): T | undefined {
  return [...items].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))[0];
}
