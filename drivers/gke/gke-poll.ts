// Polling the gke driver's long operations. A handle carries the Compute Engine operation's name
// and scope (zone, region or global) and the resource it works on, so any worker resumes it:
// one operations.get per poll (it answers at once, so the activity heartbeats between steps),
// then, once the operation is DONE, a read of the resource.
import { pollString } from '../common';
import type { Disk } from '../driver';
import { DriverError, notFound } from '../errors';
import type { JsonObject, OperationHandle, OperationKind, PollResult } from '../long-operation';
import type { ComputeCalls, GceDisk, OperationScope } from './compute-calls';
import { mapOperationError } from './errors';
import { instanceState } from './instances';
import { type DiskScope, parseDiskPath } from './names';
import { attachmentsOf, copiesOf, diskToRecord, snapshotToRecord } from './pd-records';

export async function getGceDisk(
  calls: ComputeCalls,
  project: string,
  scope: DiskScope,
  name: string,
): Promise<GceDisk | undefined> {
  return calls.maybe(`disks.get ${name}`, 'compute.disks.get', async () =>
    scope.kind === 'zone'
      ? (await calls.disks.get({ project, zone: scope.zone, disk: name }, calls.callOptions))[0]
      : (await calls.regionDisks.get({ project, region: scope.region, disk: name }, calls.callOptions))[0],
  );
}

async function getGceSnapshot(calls: ComputeCalls, project: string, name: string) {
  return calls.maybe(
    `snapshots.get ${name}`,
    'compute.snapshots.get',
    async () => (await calls.snapshots.get({ project, snapshot: name }, calls.callOptions))[0],
  );
}

function operationScope(s: JsonObject): OperationScope {
  const scope = pollString(s, 'scope');
  if (scope !== 'zone' && scope !== 'region' && scope !== 'global')
    throw new DriverError('InvalidArgument', `unknown operation scope ${scope}`);
  return { scope, location: pollString(s, 'location') };
}

function diskOf(s: JsonObject): { project: string; scope: DiskScope; name: string } {
  const parsed = parseDiskPath(pollString(s, 'disk'));
  if (parsed === undefined) throw new DriverError('InvalidArgument', `operation poll state has no disk path`);
  return parsed;
}

/**
 * Advances an operation from its handle alone. `operation` is empty when the begin call found
 * the resource already made (a retry): then only the resource is read.
 */
export async function pollGke<K extends OperationKind>(
  calls: ComputeCalls,
  op: OperationHandle<K>,
): Promise<PollResult<K>> {
  const s = op.pollState;
  const pending = (progress?: number): PollResult<K> => ({ done: false, op, progress });
  const done = (result: unknown): PollResult<K> => ({ done: true, result }) as PollResult<K>;
  const kind: OperationKind = op.kind;
  const opName = typeof s.operation === 'string' ? s.operation : '';
  if (opName !== '') {
    const found = await calls.operation(operationScope(s), opName);
    if (found !== undefined && String(found.status) !== 'DONE') return pending((found.progress ?? 0) / 100);
    if (found?.error?.errors?.length) {
      const err = mapOperationError(found.error, `${kind} ${op.id}`);
      // Deleting or detaching what is already gone is what was asked for.
      if (!(
        err.code === 'NotFound' &&
        (kind === 'deleteDisk' || kind === 'deleteSnapshot' || kind === 'forceDetach')
      ))
        throw err;
    }
    // An operation Compute Engine no longer lists is long over: the resource tells the rest.
  }
  switch (kind) {
    case 'createDisk':
    case 'resizeDisk': {
      const d = diskOf(s);
      const gce = await getGceDisk(calls, d.project, d.scope, d.name);
      if (gce === undefined) throw notFound(`disk ${pollString(s, 'disk')}`);
      const disk: Disk = diskToRecord(gce, d.project);
      if (disk.state === 'failed')
        throw new DriverError('Conflict', `disk ${disk.handle} failed (status ${String(gce.status)})`, {
          details: { state: 'failed' },
        });
      if (disk.state === 'creating') return pending();
      if (kind === 'resizeDisk' && typeof s.sizeGb === 'number' && Number(gce.sizeGb) < s.sizeGb)
        return pending();
      return done(disk);
    }
    case 'createSnapshot':
    case 'copySnapshot': {
      const project = pollString(s, 'project');
      const gce = await getGceSnapshot(calls, project, pollString(s, 'snapshot'));
      if (gce === undefined) throw notFound(`snapshot ${pollString(s, 'snapshot')}`);
      if (kind === 'copySnapshot') {
        const copy = copiesOf(gce, project).find((c) => c.region === pollString(s, 'region'));
        if (copy === undefined)
          throw notFound(`copy of snapshot ${pollString(s, 'snapshot')} in ${pollString(s, 'region')}`);
        return done(copy);
      }
      const snap = snapshotToRecord(gce, project);
      if (snap === undefined) throw notFound(`snapshot ${pollString(s, 'snapshot')}`);
      if (snap.state === 'failed')
        throw new DriverError('Conflict', `snapshot ${snap.handle} failed`, { details: { state: 'failed' } });
      return snap.ready ? done(snap) : pending();
    }
    case 'deleteDisk':
    case 'deleteSnapshot':
      return done(null);
    case 'forceDetach': {
      const d = diskOf(s);
      const gce = await getGceDisk(calls, d.project, d.scope, d.name);
      const left = new Set(attachmentsOf(gce).map((a) => a.instanceId));
      const ids = Array.isArray(s.instances) ? s.instances : [];
      return ids.some((id) => typeof id === 'string' && left.has(id)) ? pending() : done(null);
    }
    case 'fenceNode': {
      const state = await instanceState(calls, {
        project: pollString(s, 'project'),
        zone: pollString(s, 'zone'),
        name: pollString(s, 'instance'),
      });
      return state === 'stopped' || state === 'terminated' ? done(null) : pending();
    }
  }
}
