// Restore of the db volume from one snapshot taken of known files, on one app for the case. Each
// run first overwrites the assigned disk (the reset: only a real restore brings the files back),
// then restores: the newly assigned disk holds exactly the snapshot's files, the disk the app had
// is kept, and the app runs on the restored disk.
import { randomBytes } from 'node:crypto';
import type { DiskView } from '../../../api/messages';
import type { OperationRecord } from '../../../api/operation';
import type { TestProject } from '../../helpers/deploy-project';
import { type ChaosCase, scanLocalProvider, treeDiff } from '../../helpers/chaos';
import { treeChecksums, writeTree } from '../../helpers/snapshots';
import {
  appOnAssignedDisks,
  cli,
  deployWithKnownData,
  scopeDirOf,
  wikiChaosProject,
  wikiRun,
} from '../wiki-app';

let project: TestProject | undefined;
let known: Record<string, string> = {};
let snapshot = '';

export const chaosCase: ChaosCase = {
  name: 'snapshot restore',
  kind: 'snapshot.restore',
  shortBoundaries: ['createDisk#0'],
  faultSeeds: { short: [401, 402], long: [401, 402, 403, 404, 405] },
  serverKill: { short: true, long: true },
  // A disk call: its retry waits 10 s for the heartbeat, where a read in flight waits a minute.
  serverKillAt: 'assignDisk#0',
  async setup(env) {
    project = wikiChaosProject('crest');
    known = (await deployWithKnownData(env, project)).db!;
    const snap = await cli<OperationRecord>(env, project, 'snapshot', 'create', '-V', 'db');
    if (snap.phase !== 'Completed')
      throw new Error(`setup snapshot ${snap.phase}: ${JSON.stringify(snap.failure)}`);
    snapshot = String(snap.figures?.['volume.db']);
  },
  async prepare(env, settings) {
    const p = project!;
    const before = (await cli<DiskView[]>(env, p, 'disk', 'list')).find(
      (d) => d.volumeName === 'db' && d.assigned,
    );
    if (!before) throw new Error('no assigned db disk before the restore');
    writeTree(before.handle, {
      'data/base/1/16384': randomBytes(4096),
      'written-after.txt': 'not in the snapshot\n',
    });
    return wikiRun(env, p, settings, {
      makes: { disk: ['db'] },
      args: ['snapshot', 'restore', '-V', 'db', '-N', snapshot],
      async check(_record, made) {
        const found = await appOnAssignedDisks(env, p);
        const disks = scanLocalProvider(scopeDirOf(p), p.appName).resources.filter(
          (r) => r.kind === 'disk' && r.volume === 'db',
        );
        const restored = made.find((r) => r.kind === 'disk');
        const assigned = disks.find((d) => d.assigned);
        if (!restored || assigned?.name !== restored.name)
          found.mismatches.push(
            `db is assigned ${assigned?.name ?? 'nothing'}, restored ${restored?.name ?? 'nothing'}`,
          );
        if (assigned)
          found.mismatches.push(
            ...treeDiff(`restored disk ${assigned.name}`, known, treeChecksums(`${assigned.dir}/data`)),
          );
        if (!disks.some((d) => d.name === before.name))
          found.mismatches.push(`the previous disk ${before.name} is gone`);
        return found;
      },
    });
  },
};
