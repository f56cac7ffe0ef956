// The deploy steps of workflows/app-deploy.ts (validate, list disks, render and apply, wait for
// rollout, verify zone, prune) called as plain functions on the activity implementations, each
// in a MockActivityEnvironment (they need an activity Context): the baseline the benches set
// the Temporal path against. Also the project as the CLI packs it.
import { MockActivityEnvironment } from '@temporalio/testing';
import type { KompoxActivities } from '../activities';
import { loadAppRevision } from '../cli/project';
import type { TestProject } from '../test/helpers/deploy-project';
import type { AppRevision } from '../api/app-revision';
import type { AppTarget } from '../api/app-target';

/** Runs an activity implementation once, as the worker would, without Temporal. */
export function runActivity<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return new MockActivityEnvironment().run(fn, ...args);
}

/** Wraps each step (its name, its call): for timing it; by default just the call. */
export type PlainStep = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

/** The project as the CLI packs it: its target and an app revision of its files now. */
export function revisionOf(project: TestProject): { target: AppTarget; revision: AppRevision } {
  const cwd = process.cwd();
  process.chdir(project.dir);
  try {
    return loadAppRevision({});
  } finally {
    process.chdir(cwd);
  }
}

/** Deploys and verifies, then prunes older renders; returns the zone the pod runs in. */
export async function plainDeploy(
  acts: KompoxActivities,
  packed: { target: AppTarget; revision: AppRevision },
  step: PlainStep = (_name, fn) => fn(),
): Promise<{ zone: string }> {
  const deployed = await plainDeployAndVerify(acts, packed, step);
  await deployed.prune();
  return { zone: deployed.zone };
}

/** Deploys and verifies; the prune of older renders is left to the caller, as a move runs it. */
export async function plainDeployAndVerify(
  acts: KompoxActivities,
  { target, revision }: { target: AppTarget; revision: AppRevision },
  step: PlainStep = (_name, fn) => fn(),
): Promise<{ zone: string; prune: () => Promise<unknown> }> {
  await step('validate', () => runActivity(acts.validateApp, { target, revision }));
  await step('list disks', () => runActivity(acts.listDisks, { target }));
  const applied = await step('render and apply', () => runActivity(acts.applyApp, { target, revision }));
  await step('wait for rollout', () =>
    runActivity(acts.waitForAppRollout, {
      target,
      namespace: applied.namespace,
      deployment: applied.deployment,
      timeoutSeconds: 600,
    }),
  );
  const placed = await step('verify zone', () =>
    runActivity(acts.verifyPlacement, {
      target,
      namespace: applied.namespace,
      selector: applied.podSelector,
      zone: applied.zone,
    }),
  );
  return {
    zone: placed.zone,
    prune: () =>
      step('prune the previous render', () =>
        runActivity(acts.pruneApp, {
          target,
          namespace: applied.namespace,
          keepRenderHash: applied.renderHash,
        }),
      ),
  };
}
