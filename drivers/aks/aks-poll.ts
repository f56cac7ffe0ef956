// Polling the aks driver's long operations. The handle holds the ARM name of the resource and,
// while the ARM operation runs, the SDK poller's serialized state (arm-lro.ts); each poll advances
// that poller by one request, then reads the resource to decide whether the Kompox operation is
// done (a CopyStart copy, for one, is provisioned long before its data has arrived).
import type { Disk as ArmDisk } from '@azure/arm-compute';
import { pollNumber, pollString } from '../common';
import { DriverError, notFound } from '../errors';
import type { JsonObject, OperationHandle, OperationKind, PollResult } from '../long-operation';
import type { ArmCalls } from './arm-calls';
import { advanceLro } from './arm-lro';
import { vmOfArmId } from './arm-names';
import { armDiskToDisk, armSnapshotToSnapshot } from './arm-records';
import { GiB } from './disk-options';
import { vmState } from './vm-calls';
import type { AksZones } from './zones';

/** Advances every poller in `state`; the state with their new serialized text, and whether all are done. */
async function advanceAll(arm: ArmCalls, op: OperationHandle): Promise<{ done: boolean; state: JsonObject }> {
  const state = { ...op.pollState };
  const pollers = Array.isArray(state.pollers) ? [...state.pollers] : [];
  let done = true;
  for (let i = 0; i < pollers.length; i++) {
    const p = pollers[i];
    if (typeof p !== 'string') continue;
    const next = await advanceLro(arm, `${op.kind} ${op.id}`, p);
    // A finished operation is dropped, so it is never polled again.
    pollers[i] = next.done ? null : next.state;
    done &&= next.done;
  }
  state.pollers = pollers;
  return { done, state };
}

export async function pollAks<K extends OperationKind>(
  arm: ArmCalls,
  zones: AksZones,
  op: OperationHandle<K>,
): Promise<PollResult<K>> {
  const advanced = await advanceAll(arm, op);
  const next: OperationHandle<K> = { ...op, pollState: advanced.state };
  const pending = (progress?: number): PollResult<K> => ({ done: false, op: next, progress });
  if (!advanced.done) return pending();
  const done = (result: unknown): PollResult<K> => ({ done: true, result }) as PollResult<K>;
  const s = op.pollState;
  const armName = (): string => pollString(s, 'armName');
  const kind: OperationKind = op.kind;
  switch (kind) {
    case 'createDisk':
    case 'resizeDisk': {
      const d = await arm.getDisk(armName());
      if (d === undefined) throw notFound(`disk ${op.id}`);
      const disk = armDiskToDisk(d, zones);
      if (disk.state === 'failed')
        throw new DriverError('Conflict', `disk ${op.id} failed (${d.provisioningState})`, {
          details: { state: 'failed' },
        });
      if (disk.state === 'creating') return pending();
      if (kind === 'resizeDisk' && disk.size < pollNumber(s, 'sizeGiB') * GiB) return pending();
      return done(disk);
    }
    case 'createSnapshot':
    case 'copySnapshot': {
      const found = await arm.getSnapshot(armName());
      if (found === undefined) throw notFound(`snapshot ${op.id}`);
      const snap = armSnapshotToSnapshot(found);
      if (snap.state === 'failed') {
        throw new DriverError(
          'Conflict',
          `snapshot ${op.id} failed: ${found.copyCompletionError?.errorMessage ?? found.provisioningState}`,
          { details: { state: 'failed' } },
        );
      }
      return snap.ready ? done(snap) : pending((found.completionPercent ?? 0) / 100);
    }
    case 'deleteDisk':
      if (armName() === '') return done(null);
      return (await arm.getDisk(armName())) === undefined ? done(null) : pending();
    case 'deleteSnapshot':
      if (armName() === '') return done(null);
      return (await arm.getSnapshot(armName())) === undefined ? done(null) : pending();
    case 'forceDetach': {
      const d: ArmDisk | undefined = await arm.getDisk(armName());
      const owner = (d?.managedBy ?? '').toLowerCase();
      const ids = Array.isArray(s.instanceIds) ? s.instanceIds : [];
      const waiting = ids.some((id) => typeof id === 'string' && id.toLowerCase() === owner);
      return waiting ? pending() : done(null);
    }
    case 'fenceNode': {
      const vm = vmOfArmId(pollString(s, 'vmId'));
      if (vm === undefined) throw notFound(`VM ${pollString(s, 'vmId')}`);
      const state = await vmState(arm, vm);
      return state === 'stopped' || state === 'terminated' ? done(null) : pending();
    }
  }
}
