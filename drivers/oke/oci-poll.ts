// Polling the oke driver's long operations. Every OCI resource has a lifecycle state, so an
// operation is done when its resource reaches the state it waits for: one GET per poll (the
// resource waiters' step, without their loop), from the OCID and region in the handle, so any
// worker resumes it. A cross-region copy gets its own Kompox tags here, as soon as OCI lets them
// be written (until then it carries its source's tags, which OCI copied).
import type { models } from 'oci-core';
import { pollNumber, pollString } from '../common';
import { DriverError, notFound } from '../errors';
import type { JsonObject, OperationHandle, OperationKind, PollResult } from '../long-operation';
import type { Tags } from '../tags';
import { instanceState } from './instances';
import type { OciCalls } from './oci-calls';
import { GiB, backupToSnapshot, isOwnBackup, volumeToDisk } from './records';
import type { OkeZones } from './zones';

async function getBackup(
  oci: OciCalls,
  region: string,
  id: string,
): Promise<models.VolumeBackup | undefined> {
  const got = await oci.maybe(
    oci.storage(region, 'GetVolumeBackup', (c) => c.getVolumeBackup({ volumeBackupId: id })),
  );
  return got === undefined || got.volumeBackup.lifecycleState === 'TERMINATED' ? undefined : got.volumeBackup;
}

async function getVolume(oci: OciCalls, region: string, id: string): Promise<models.Volume | undefined> {
  const got = await oci.maybe(oci.storage(region, 'GetVolume', (c) => c.getVolume({ volumeId: id })));
  return got === undefined || got.volume.lifecycleState === 'TERMINATED' ? undefined : got.volume;
}

function tagsOf(state: JsonObject): Tags | undefined {
  const t = state.tags;
  return typeof t === 'object' && t !== null && !Array.isArray(t) ? (t as Tags) : undefined;
}

export async function pollOci<K extends OperationKind>(
  oci: OciCalls,
  zones: OkeZones,
  op: OperationHandle<K>,
): Promise<PollResult<K>> {
  const s = op.pollState;
  const pending = (progress?: number): PollResult<K> => ({ done: false, op, progress });
  const done = (result: unknown): PollResult<K> => ({ done: true, result }) as PollResult<K>;
  const kind: OperationKind = op.kind;
  switch (kind) {
    case 'createDisk':
    case 'resizeDisk': {
      const region = pollString(s, 'region');
      const id = pollString(s, 'volumeId');
      const v = await getVolume(oci, region, id);
      if (v === undefined) throw notFound(`disk ${id} in ${region}`);
      const disk = volumeToDisk(v, region, zones);
      if (disk.state === 'failed' || disk.state === 'deleting') {
        throw new DriverError('Conflict', `volume ${id} is ${v.lifecycleState}`, {
          details: { state: 'failed' },
        });
      }
      if (disk.state === 'creating') return pending();
      if (kind === 'resizeDisk' && disk.size < pollNumber(s, 'sizeGiB') * GiB) return pending();
      return done(disk);
    }
    case 'createSnapshot':
    case 'copySnapshot': {
      const region = pollString(s, 'region');
      const id = pollString(s, 'backupId');
      let b = await getBackup(oci, region, id);
      if (b === undefined) throw notFound(`snapshot ${id} in ${region}`);
      const tags = tagsOf(s);
      if (kind === 'copySnapshot' && tags !== undefined && !isOwnBackup(b)) {
        try {
          const res = await oci.storage(region, 'UpdateVolumeBackup', (c) =>
            c.updateVolumeBackup({ volumeBackupId: id, updateVolumeBackupDetails: { freeformTags: tags } }),
          );
          b = res.volumeBackup;
        } catch (err) {
          // OCI may refuse changes while the copy is still being made: tag it on a later poll.
          if (!(err instanceof DriverError && err.code === 'Conflict')) throw err;
          return pending(0);
        }
      }
      const snap = backupToSnapshot(b, region);
      if (snap.state === 'failed' || snap.state === 'deleting') {
        throw new DriverError('Conflict', `volume backup ${id} is ${b.lifecycleState}`, {
          details: { state: 'failed' },
        });
      }
      return snap.ready && isOwnBackup(b) ? done(snap) : pending();
    }
    case 'deleteDisk': {
      const id = pollString(s, 'volumeId');
      if (id === '') return done(null);
      return (await getVolume(oci, pollString(s, 'region'), id)) === undefined ? done(null) : pending();
    }
    case 'deleteSnapshot': {
      const id = pollString(s, 'backupId');
      if (id === '') return done(null);
      return (await getBackup(oci, pollString(s, 'region'), id)) === undefined ? done(null) : pending();
    }
    case 'forceDetach': {
      const left = new Set(
        (await oci.attachments(pollString(s, 'region'), pollString(s, 'volumeId'))).map((a) => a.instanceId),
      );
      const ids = Array.isArray(s.instanceIds) ? s.instanceIds : [];
      return ids.some((id) => typeof id === 'string' && left.has(id)) ? pending() : done(null);
    }
    case 'fenceNode': {
      const state = await instanceState(oci, pollString(s, 'region'), pollString(s, 'instanceId'));
      return state === 'stopped' || state === 'terminated' ? done(null) : pending();
    }
  }
}
