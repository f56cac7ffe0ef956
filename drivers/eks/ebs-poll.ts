// Polling the eks driver's long operations. EC2 has no operation objects for volumes, snapshots
// or instances: an operation is done when the resource reaches its state, so polling is a
// describe of the ids the handle carries (stateless, like the SDK's waiters, but one step per
// call so the activity heartbeats between steps).
import {
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  DescribeVolumesModificationsCommand,
  type Volume,
} from '@aws-sdk/client-ec2';
import { pollNumber, pollString } from '../common';
import { DriverError, notFound } from '../errors';
import type { OperationHandle, OperationKind, PollResult } from '../long-operation';
import { GiB } from './ebs-options';
import { attachmentsOf, ec2SnapshotToSnapshot, volumeToDisk } from './ebs-records';
import type { Ec2Calls } from './ec2-calls';
import { instanceState } from './instances';

export async function describeVolume(
  ec2: Ec2Calls,
  region: string,
  volumeId: string,
): Promise<Volume | undefined> {
  const out = await ec2.maybe(region, 'DescribeVolumes', (c) =>
    c.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] })),
  );
  const v = out?.Volumes?.[0];
  return v === undefined || v.State === 'deleted' ? undefined : v;
}

/**
 * Advances an operation from its handle alone: ids and the region are in `pollState`, so any
 * worker resumes it. A resource EC2 does not list yet is still pending while the operation is
 * younger than `windowMs` (describes are eventually consistent right after a create).
 */
export async function pollEbs<K extends OperationKind>(
  ec2: Ec2Calls,
  op: OperationHandle<K>,
  windowMs: number,
): Promise<PollResult<K>> {
  const s = op.pollState;
  const young = Date.now() - Date.parse(op.startedAt) < windowMs;
  const pending = (progress?: number): PollResult<K> => ({ done: false, op, progress });
  const done = (result: unknown): PollResult<K> => ({ done: true, result }) as PollResult<K>;
  const kind: OperationKind = op.kind;
  const volumeId = (): string => pollString(s, 'volumeId');
  const snapshotId = (): string => pollString(s, 'snapshotId');
  switch (kind) {
    case 'createDisk':
    case 'resizeDisk': {
      const region = pollString(s, 'region');
      const v = await describeVolume(ec2, region, volumeId());
      if (v === undefined) {
        if (kind === 'createDisk' && young) return pending(0);
        throw notFound(`disk ${volumeId()} in ${region}`);
      }
      const disk = volumeToDisk(v, region);
      if (disk.state === 'failed') {
        throw new DriverError('Conflict', `volume ${volumeId()} failed (state ${v.State})`, {
          details: { state: 'failed' },
        });
      }
      if (disk.state === 'creating') return pending();
      if (kind === 'resizeDisk' && disk.size < pollNumber(s, 'sizeGiB') * GiB) {
        await checkModification(ec2, region, volumeId());
        return pending();
      }
      return done(disk);
    }
    case 'createSnapshot':
    case 'copySnapshot': {
      const region = pollString(s, 'region');
      const out = await ec2.maybe(region, 'DescribeSnapshots', (c) =>
        c.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId()] })),
      );
      const item = out?.Snapshots?.[0];
      if (item === undefined) {
        if (young) return pending(0);
        throw notFound(`snapshot ${snapshotId()} in ${region}`);
      }
      const snap = ec2SnapshotToSnapshot(item, region);
      if (snap.state === 'failed') {
        throw new DriverError(
          'Conflict',
          `snapshot ${snapshotId()} failed: ${item.StateMessage ?? item.State}`,
          {
            details: { state: 'failed' },
          },
        );
      }
      return snap.ready ? done(snap) : pending(parseFloat(item.Progress ?? '0') / 100);
    }
    case 'deleteDisk':
      if (volumeId() === '') return done(null);
      return (await describeVolume(ec2, pollString(s, 'region'), volumeId())) === undefined
        ? done(null)
        : pending();
    case 'deleteSnapshot': {
      if (snapshotId() === '') return done(null);
      const out = await ec2.maybe(pollString(s, 'region'), 'DescribeSnapshots', (c) =>
        c.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId()] })),
      );
      return (out?.Snapshots ?? []).length === 0 ? done(null) : pending();
    }
    case 'forceDetach': {
      const v = await describeVolume(ec2, pollString(s, 'region'), volumeId());
      const left = new Set(attachmentsOf(v).map((a) => a.instanceId));
      const ids = s.instanceIds;
      const waiting = Array.isArray(ids) ? ids.filter((id) => typeof id === 'string' && left.has(id)) : [];
      return waiting.length === 0 ? done(null) : pending();
    }
    case 'fenceNode': {
      const state = await instanceState(ec2, pollString(s, 'region'), pollString(s, 'instanceId'));
      return state === 'stopped' || state === 'terminated' ? done(null) : pending();
    }
  }
}

/** Throws when EC2 gave up on the volume's last modification (it never reaches the new size). */
async function checkModification(ec2: Ec2Calls, region: string, volumeId: string): Promise<void> {
  const out = await ec2.maybe(region, 'DescribeVolumesModifications', (c) =>
    c.send(new DescribeVolumesModificationsCommand({ VolumeIds: [volumeId] })),
  );
  const failed = (out?.VolumesModifications ?? []).find((m) => m.ModificationState === 'failed');
  if (failed !== undefined) {
    throw new DriverError(
      'Conflict',
      `resizing volume ${volumeId} failed: ${failed.StatusMessage ?? 'failed'}`,
    );
  }
}
