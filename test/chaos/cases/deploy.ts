// A first deploy that makes the app's disks (`app deploy --bootstrap-disks`), each run on a new
// app: one assigned disk per volume, one Deployment, every PV on its volume's assigned disk.
import type { ChaosCase } from '../../helpers/chaos';
import { WIKI_VOLUMES, appOnAssignedDisks, wikiChaosProject, wikiRun } from '../wiki-app';

export const chaosCase: ChaosCase = {
  name: 'deploy --bootstrap-disks',
  kind: 'app.deploy',
  shortBoundaries: ['createDisk#0'],
  faultSeeds: { short: [101], long: [101, 102, 103, 104, 105] },
  serverKill: { short: false, long: true },
  prepare(env, settings) {
    const project = wikiChaosProject('cdep');
    return Promise.resolve(
      wikiRun(env, project, settings, {
        makes: { disk: WIKI_VOLUMES },
        args: ['app', 'deploy', '--bootstrap-disks'],
        check: () => appOnAssignedDisks(env, project),
      }),
    );
  },
};
