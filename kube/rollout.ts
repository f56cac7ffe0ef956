// Waits for a Deployment rollout the way `kubectl rollout status` judges it: the controller has seen
// the current generation, every replica runs the new template, no old replica is left, and the new
// ones are available. A Progressing=False/ProgressDeadlineExceeded condition fails fast, and so
// does a ReplicaFailure whose pods the apiserver rejects as invalid.
import { AppsV1Api, CoreV1Api, KubeConfig, V1Deployment } from '@kubernetes/client-node';
import { withKubeError } from './errors';
import { podProblems } from './pod-problems';
import { pollUntil } from './poll';

export interface RolloutProgress {
  generation: number;
  observedGeneration: number;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  /** Replicas still counted by the Deployment, old ones included. */
  total: number;
  done: boolean;
  /** Why it is not done yet, in kubectl's words. */
  message: string;
}

export function rolloutProgress(d: V1Deployment): RolloutProgress {
  const generation = d.metadata?.generation ?? 0;
  const observedGeneration = d.status?.observedGeneration ?? 0;
  const desired = d.spec?.replicas ?? 1;
  const updated = d.status?.updatedReplicas ?? 0;
  const ready = d.status?.readyReplicas ?? 0;
  const available = d.status?.availableReplicas ?? 0;
  const total = d.status?.replicas ?? 0;
  let message = '';
  if (observedGeneration < generation) message = 'waiting for the deployment spec update to be observed';
  else if (updated < desired) message = `${updated} of ${desired} updated replicas`;
  else if (total > updated) message = `${total - updated} old replicas pending termination`;
  else if (available < updated) message = `${available} of ${updated} updated replicas available`;
  return {
    generation,
    observedGeneration,
    desired,
    updated,
    ready,
    available,
    total,
    done: message === '',
    message: message || 'successfully rolled out',
  };
}

export interface WaitForRolloutOptions {
  namespace: string;
  name: string;
  timeoutMs: number;
  intervalMs?: number;
  firstIntervalMs?: number;
  signal?: AbortSignal;
  /** Called whenever the progress changes (not on every poll). */
  onProgress?: (p: RolloutProgress) => void;
}

export async function waitForRollout(kc: KubeConfig, opts: WaitForRolloutOptions): Promise<V1Deployment> {
  const apps = kc.makeApiClient(AppsV1Api);
  const what = `rollout of deployment ${opts.namespace}/${opts.name}`;
  let last: RolloutProgress | undefined;
  let problem: string | undefined;
  let polls = 0;
  return pollUntil(
    what,
    async () => {
      const d = await withKubeError(`read deployment ${opts.namespace}/${opts.name}`, () =>
        apps.readNamespacedDeployment({ name: opts.name, namespace: opts.namespace }),
      );
      const p = rolloutProgress(d);
      if (!last || JSON.stringify(last) !== JSON.stringify(p)) opts.onProgress?.(p);
      last = p;
      const stuck = d.status?.conditions?.find(
        (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
      );
      if (stuck && !p.done)
        throw new Error(`${what} failed: ${stuck.message ?? 'progress deadline exceeded'}`);
      // The apiserver refuses the new ReplicaSet's pods as invalid (an image with a trailing
      // space, say): no retry of this template can succeed, so fail now with its words.
      const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
      const newReplicaSet = /replica ?set "([^"]+)"/i.exec(progressing?.message ?? '')?.[1];
      const refused = d.status?.conditions?.find(
        (c) =>
          c.type === 'ReplicaFailure' &&
          c.status === 'True' &&
          newReplicaSet !== undefined &&
          (c.message ?? '').startsWith(`Pod "${newReplicaSet}-`) &&
          (c.message ?? '').includes(' is invalid: '),
      );
      if (refused && !p.done) throw new Error(`${what} failed: ${refused.message}`);
      // Why a pod is not up (an image that cannot be pulled, a crash loop) is what the user needs
      // when the rollout times out; look every few polls, not on each.
      if (!p.done && polls++ % 4 === 0) problem = await podProblem(kc, d);
      return p.done ? d : undefined;
    },
    {
      ...opts,
      // A pod on a fast node is Ready in well under a second: the deploy ends that soon after.
      firstIntervalMs: opts.firstIntervalMs ?? 100,
      intervalMs: opts.intervalMs ?? 1000,
      lastState: () => [last?.message, problem].filter(Boolean).join('; ') || undefined,
    },
  );
}

/** The first pod of the Deployment that is stuck, and why. */
async function podProblem(kc: KubeConfig, d: V1Deployment): Promise<string | undefined> {
  const labels = d.spec?.selector?.matchLabels;
  if (!labels || !d.metadata?.namespace) return undefined;
  const selector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = await kc
    .makeApiClient(CoreV1Api)
    .listNamespacedPod({ namespace: d.metadata.namespace, labelSelector: selector })
    .catch(() => undefined);
  for (const pod of pods?.items ?? []) {
    if (pod.metadata?.deletionTimestamp) continue;
    const problems = await podProblems(kc, pod);
    if (problems.length > 0) return `pod ${pod.metadata?.name}: ${problems.join('; ')}`;
  }
  return undefined;
}
