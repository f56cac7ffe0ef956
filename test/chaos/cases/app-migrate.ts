// A live zone move of one app, back and forth between local-1a and local-1b: each run moves it to
// the zone it is not in. After each run both volumes are assigned a disk in the destination
// zone holding exactly the files written at setup, the app runs on them there, and the move
// made one snapshot and one disk per volume (the source disks stay, kept for a way back).
import type { DiskView } from '../../../api/messages';
import type { ChaosCase, KeyDerivation } from '../../helpers/chaos';
import type { TestProject } from '../../helpers/deploy-project';
import { treeChecksums } from '../../helpers/snapshots';
import {
  WIKI_VOLUMES,
  appOnAssignedDisks,
  cli,
  deployWithKnownData,
  wikiChaosProject,
  wikiRun,
} from '../wiki-app';

let project: TestProject | undefined;
let known: Record<string, Record<string, string>> = {};

/** The disk and copy keys the migration derives from its id (workflows/app-migrate.ts). */
const MIGRATION_KEYS: readonly KeyDerivation[] = [
  (op, v) => `${op.id}/${v}/migrate`,
  (op, v) => `${op.id}/${v}/copy`,
];

export const chaosCase: ChaosCase = {
  name: 'app migrate --zone',
  kind: 'app.migrate',
  shortBoundaries: ['createSnapshot#0', 'createDisk#1', 'tagKept#0'],
  faultSeeds: { short: [501], long: [501, 502, 503, 504, 505] },
  serverKill: { short: true, long: true },
  operationKeys: MIGRATION_KEYS,
  async setup(env) {
    project = wikiChaosProject('cmig');
    known = await deployWithKnownData(env, project);
  },
  async prepare(env, settings) {
    const p = project!;
    const before = (await cli<DiskView[]>(env, p, 'disk', 'list')).filter((d) => d.assigned);
    const to = before.some((d) => d.zone === 'local-1a') ? 'local-1b' : 'local-1a';
    return wikiRun(env, p, settings, {
      makes: { disk: WIKI_VOLUMES, snapshot: WIKI_VOLUMES },
      args: ['app', 'migrate', '--zone', to],
      async check() {
        const found = await appOnAssignedDisks(env, p);
        const disks = (await cli<DiskView[]>(env, p, 'disk', 'list')).filter((d) => d.assigned);
        for (const volume of WIKI_VOLUMES) {
          const disk = disks.find((d) => d.volumeName === volume);
          if (disk?.zone !== to)
            found.mismatches.push(`${volume} is assigned a disk in ${disk?.zone ?? 'no zone'}, not ${to}`);
          else if (JSON.stringify(treeChecksums(disk.handle)) !== JSON.stringify(known[volume]))
            found.mismatches.push(
              `${volume}: the moved disk ${disk.name} does not hold the files written at setup`,
            );
        }
        return found;
      },
    });
  },
};
