// On-demand snapshots of both volumes of a running app, crash-consistent and stop-consistent,
// on one app per case (each run adds one snapshot per volume): each snapshot's archive holds
// exactly the files written into the disk before, the disk itself is unchanged, and a
// stop-consistent run leaves the app at 1 replica, Ready, whatever was killed.
import { AppsV1Api } from '@kubernetes/client-node';
import type { AppStatus } from '../../../cli/commands/app';
import type { DiskView } from '../../../api/messages';
import type { TestProject } from '../../helpers/deploy-project';
import { type ChaosCase, snapshotChecksums, treeDiff } from '../../helpers/chaos';
import { eventually, kubeConfigOf } from '../../helpers/kube-app';
import { treeChecksums } from '../../helpers/snapshots';
import { WIKI_VOLUMES, cli, deployWithKnownData, wikiChaosProject, wikiRun } from '../wiki-app';

function snapshotCase(consistency: 'crash' | 'stop'): ChaosCase {
  let project: TestProject | undefined;
  let known: Record<string, Record<string, string>> = {};
  return {
    name: `snapshot create (${consistency})`,
    kind: 'snapshot.create',
    // Stop: the kill before the scale-up, after which the app must still come back.
    shortBoundaries: consistency === 'crash' ? 'all' : ['scaleApp#1'],
    faultSeeds:
      consistency === 'crash'
        ? { short: [201, 202], long: [201, 202, 203, 204, 205] }
        : { short: [306, 310], long: [306, 310, 311, 317, 318] },
    serverKill: { short: false, long: true },
    async setup(env) {
      project = wikiChaosProject(consistency === 'crash' ? 'csnap' : 'cstop', consistency);
      known = await deployWithKnownData(env, project);
    },
    prepare(env, settings) {
      const p = project!;
      return Promise.resolve(
        wikiRun(env, p, settings, {
          makes: { snapshot: WIKI_VOLUMES },
          args: ['snapshot', 'create'],
          async check(_record, made) {
            const mismatches: string[] = [];
            const disks = await cli<DiskView[]>(env, p, 'disk', 'list');
            for (const volume of WIKI_VOLUMES) {
              for (const snap of made.filter((r) => r.kind === 'snapshot' && r.volume === volume))
                mismatches.push(
                  ...treeDiff(`snapshot ${snap.name}`, known[volume]!, await snapshotChecksums(snap)),
                );
              const disk = disks.find((d) => d.volumeName === volume && d.assigned);
              if (disk)
                mismatches.push(...treeDiff(`disk ${disk.name}`, known[volume]!, treeChecksums(disk.handle)));
              else mismatches.push(`no assigned disk of ${volume}`);
            }
            if (consistency === 'stop') {
              const status = await cli<AppStatus>(env, p, 'app', 'status');
              const apps = kubeConfigOf(env.stack.kubeconfig).makeApiClient(AppsV1Api);
              await eventually(
                'the Deployment back at 1 replica, Ready',
                async () => {
                  const d = await apps.readNamespacedDeployment({
                    namespace: status.namespace,
                    name: status.deployment,
                  });
                  return d.spec?.replicas === 1 && d.status?.readyReplicas === 1 ? true : undefined;
                },
                60_000,
              ).catch((err: Error) => mismatches.push(err.message));
            }
            return { duplicates: [], mismatches };
          },
        }),
      );
    },
  };
}

export const chaosCases: ChaosCase[] = [snapshotCase('crash'), snapshotCase('stop')];
