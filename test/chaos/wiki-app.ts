// The app the chaos cases run their operations on: a copy of examples/wiki (two volumes,
// `default` and `db`) on the local provider and the stack's kwok nodes, without a snapshot
// schedule or retention (so nothing but the operation under test makes or deletes snapshots).
// Its disks get known files, so restores and snapshots can be checked byte for byte.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AppStatus } from '../../cli/commands/app';
import type { DiskView } from '../../api/messages';
import type { OperationRecord } from '../../api/operation';
import type { CaseFindings, ChaosEnv, ChaosRun } from '../helpers/chaos';
import { knownFiles } from '../helpers/chaos';
import { type TestProject, kompoxopsJson, wikiProject } from '../helpers/deploy-project';
import { appObjects, eventually, kubeConfigOf } from '../helpers/kube-app';
import { setProviderSettings, setWikiSnapshots, treeChecksums, writeTree } from '../helpers/snapshots';

export const WIKI_VOLUMES = ['default', 'db'];

const projects: TestProject[] = [];
let counter = 0;

/** A fresh wiki project named `<prefix><pid>x<n>`; removed by removeWikiProjects. */
export function wikiChaosProject(prefix: string, consistency: 'crash' | 'stop' = 'crash'): TestProject {
  const project = wikiProject(`${prefix}${process.pid}x${++counter}`);
  setWikiSnapshots(project, [`consistency: ${consistency}`]);
  projects.push(project);
  return project;
}

export function removeWikiProjects(): void {
  for (const p of projects.splice(0)) rmSync(p.dir, { recursive: true, force: true });
}

const applied = new WeakMap<TestProject, string>();

/** Sets the project's extra provider settings (faults, or none), when they change. */
export function useProviderSettings(project: TestProject, settings: Record<string, string>): void {
  const text = JSON.stringify(settings);
  if ((applied.get(project) ?? '{}') === text) return;
  setProviderSettings(project, settings);
  applied.set(project, text);
}

/** `<LOCAL_ROOT>/<workspace>/<provider>` of a wiki project. */
export const scopeDirOf = (project: TestProject): string => join(project.localRoot, 'demo', 'local');

export const cli = <T>(env: ChaosEnv, project: TestProject, ...args: string[]): Promise<T> =>
  kompoxopsJson<T>(env.stack, project.dir, ...args);

/** Submits through the CLI without waiting; the operation's id. */
export async function submit(env: ChaosEnv, project: TestProject, ...args: string[]): Promise<string> {
  return (await cli<OperationRecord>(env, project, ...args, '--no-wait')).id;
}

/** Deploys the app with new disks and writes knownFiles into each; the checksums per volume. */
export async function deployWithKnownData(
  env: ChaosEnv,
  project: TestProject,
): Promise<Record<string, Record<string, string>>> {
  const deployed = await cli<OperationRecord>(env, project, 'app', 'deploy', '--bootstrap-disks');
  if (deployed.phase !== 'Completed')
    throw new Error(`setup deploy ${deployed.phase}: ${JSON.stringify(deployed.failure)}`);
  const disks = await cli<DiskView[]>(env, project, 'disk', 'list');
  const sums: Record<string, Record<string, string>> = {};
  for (const volume of WIKI_VOLUMES) {
    const disk = disks.find((d) => d.volumeName === volume && d.assigned);
    if (!disk) throw new Error(`no assigned disk of ${volume} after the setup deploy`);
    writeTree(disk.handle, knownFiles(volume));
    sums[volume] = treeChecksums(disk.handle);
  }
  return sums;
}

/**
 * The app in the cluster against its disks: one Deployment, one live PVC per volume, each bound
 * to a PV of the volume's assigned disk (what a pod mounts is the data Kompox assigned).
 */
export async function appOnAssignedDisks(env: ChaosEnv, project: TestProject): Promise<CaseFindings> {
  const status = await eventually('the app Ready', async () => {
    const s = await cli<AppStatus>(env, project, 'app', 'status');
    return s.ready ? s : undefined;
  });
  const disks = await cli<DiskView[]>(env, project, 'disk', 'list');
  const kc = kubeConfigOf(env.stack.kubeconfig);
  const duplicates: string[] = [];
  const mismatches: string[] = [];
  // Old PVCs of a previous render are deleted by the prune; wait for them to go.
  const objs = await eventually(
    'one live PVC per volume',
    async () => {
      const o = await appObjects(kc, status.namespace, project.appName);
      const live = o.pvcs.filter((c) => !c.metadata?.deletionTimestamp);
      return live.length <= WIKI_VOLUMES.length ? o : undefined;
    },
    30_000,
  ).catch(() => appObjects(kc, status.namespace, project.appName));
  if (objs.deployments.length !== 1) duplicates.push(`${objs.deployments.length} Deployments`);
  for (const volume of WIKI_VOLUMES) {
    const pvcs = objs.pvcs.filter(
      (c) => c.metadata?.labels?.['kompox.dev/volume'] === volume && !c.metadata.deletionTimestamp,
    );
    if (pvcs.length > 1) duplicates.push(`${pvcs.length} PVCs of ${volume}`);
    const pv = objs.pvs.find((v) => v.metadata?.name === pvcs[0]?.spec?.volumeName);
    const assigned = disks.find((d) => d.volumeName === volume && d.assigned);
    const path = pv?.spec?.hostPath?.path ?? pv?.spec?.csi?.volumeHandle;
    if (!assigned || path !== assigned.handle)
      mismatches.push(
        `${volume}: the PV holds ${path ?? 'nothing'}, the assigned disk is ${assigned?.handle ?? 'none'}`,
      );
  }
  return { duplicates, mismatches };
}

/**
 * One run on a wiki project: `settings` (faults) on until the operation ends, the operation
 * submitted with `kompoxops <args> --no-wait`, then `check`.
 */
export function wikiRun(
  env: ChaosEnv,
  project: TestProject,
  settings: Record<string, string>,
  run: Pick<ChaosRun, 'makes' | 'check'> & { args: string[] },
): ChaosRun {
  useProviderSettings(project, settings);
  return {
    appKey: project.appKey,
    appName: project.appName,
    volumes: WIKI_VOLUMES,
    scopeDir: scopeDirOf(project),
    makes: run.makes,
    start: () => submit(env, project, ...run.args),
    settle: () => Promise.resolve(useProviderSettings(project, {})),
    check: run.check,
  };
}
