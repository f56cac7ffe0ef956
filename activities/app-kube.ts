// Activities that put an app onto its cluster and take it off again. Rendering happens here,
// next to the apply, because the rendered Secrets hold values that must not enter history:
// the workflow gets names, counts and hashes only.
import { Context, heartbeat } from '@temporalio/activity';
import {
  CoreV1Api,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import { applyObjects, describeObject } from '../kube/apply';
import { listAppPods } from '../kube/app-pods';
import { convertApp } from '../kube/convert/convert';
import { LABEL } from '../kube/convert/labels';
import { persistentVolumeName } from '../kube/convert/names';
import { instanceSelector } from '../kube/convert/labels';
import { ConvertError, type AssignedDisk, type ConvertResult } from '../kube/convert/types';
import { isNotFound, withKubeError } from '../kube/errors';
import { waitForRollout } from '../kube/rollout';
import { scaleDeployment } from '../kube/scale';
import type { AppTarget } from '../api/app-target';
import type { AppRevision } from '../api/app-revision';
import { revisionValues, targetNames } from './app-context';
import { kubeConfigFor } from './cluster-access';
import type { ActivityDeps } from './deps';
import { driverFor } from './driver-for-target';
import { checkCopyToRegion } from './copy-region';
import { asActivityFailure, refuse } from './failures';
import { execHookCommand } from './hook-exec';
import { ApplicationFailure } from '@temporalio/activity';

export interface AppliedRender {
  namespace: string;
  deployment: string;
  podSelector: string;
  renderHash: string;
  objects: number;
  /** KOM zone of the assigned disks ('' when they are zone-redundant). */
  zone: string;
}

/**
 * Renders the app revision against its assigned disks. `placeholders` (for `app render`)
 * stands in a clearly marked placeholder for a volume that has no disk yet.
 */
/**
 * The assigned disk of each of `volumes`, as the converter takes it (the driver's PV source
 * included). A volume with no assigned disk is left out; one with several is refused.
 */
export async function assignedDisks(
  deps: ActivityDeps,
  target: AppTarget,
  volumes: readonly string[],
): Promise<Record<string, AssignedDisk>> {
  const driver = await driverFor(deps, target);
  const disks: Record<string, AssignedDisk> = {};
  for (const volume of volumes) {
    const assigned = (await driver.listDisks({ app: target.appName, volume })).filter((d) => d.assigned);
    if (assigned.length > 1) {
      refuse(
        `volume "${volume}" has ${assigned.length} assigned disks (need exactly one): run kompoxops disk assign`,
        'DisksConflict',
      );
    }
    const disk = assigned[0];
    if (disk === undefined) continue;
    disks[volume] = {
      diskName: disk.name,
      handle: disk.handle,
      zone: disk.zone,
      sizeBytes: disk.size,
      pvSource: driver.pvSource(disk),
    };
  }
  return disks;
}

export async function renderTarget(
  deps: ActivityDeps,
  target: AppTarget,
  revision: AppRevision,
): Promise<ConvertResult & { disks: Record<string, AssignedDisk> }> {
  const { context } = revision;
  const disks = await assignedDisks(
    deps,
    target,
    context.app.volumes.map((v) => v.name),
  );
  const missing = context.app.volumes.find((v) => disks[v.name] === undefined);
  if (missing) {
    refuse(
      `volume "${missing.name}" has no assigned disk: run kompoxops disk create --bootstrap or disk assign`,
      'DisksNotAssigned',
    );
  }
  // Zone-redundant disks leave the zone to a preference, by the zone's topology name.
  const zoneTopology: Record<string, string> = {};
  if (Object.values(disks).some((d) => d.zone === '')) {
    const driver = await driverFor(deps, target);
    for (const zone of context.app.deployment.zones)
      zoneTopology[zone] = (await driver.resolveZone(zone)).topology;
  }
  try {
    return {
      ...convertApp({ context, disks, values: revisionValues(revision), zoneTopology }),
      disks,
    };
  } catch (err) {
    if (err instanceof ConvertError) refuse(err.message, 'ConvertError');
    throw err;
  }
}

const PRUNABLE: { apiVersion: string; kind: string; namespaced: boolean }[] = [
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespaced: true },
  { apiVersion: 'v1', kind: 'Service', namespaced: true },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespaced: true },
  { apiVersion: 'v1', kind: 'ConfigMap', namespaced: true },
  { apiVersion: 'v1', kind: 'Secret', namespaced: true },
  // Claims before volumes: a PV is released (Retain keeps the disk) once its claim is gone.
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespaced: true },
  { apiVersion: 'v1', kind: 'PersistentVolume', namespaced: false },
];

async function listByLabel(kc: KubeConfig, selector: string, namespace: string): Promise<KubernetesObject[]> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const out: KubernetesObject[] = [];
  for (const t of PRUNABLE) {
    const list = await withKubeError(`list ${t.kind} ${selector}`, () =>
      api.list(
        t.apiVersion,
        t.kind,
        t.namespaced ? namespace : undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        selector,
      ),
    );
    for (const item of list.items) out.push({ ...item, apiVersion: t.apiVersion, kind: t.kind });
  }
  return out;
}

async function deleteObjects(kc: KubeConfig, objs: KubernetesObject[]): Promise<string[]> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const deleted: string[] = [];
  for (const obj of objs) {
    try {
      await withKubeError(`delete ${describeObject(obj)}`, () =>
        api.delete(obj, undefined, undefined, undefined, undefined, 'Background'),
      );
      deleted.push(describeObject(obj));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    heartbeat();
  }
  return deleted;
}

/**
 * Runs `fn` as asActivityFailure does, heartbeating every few seconds meanwhile: a slow
 * provider, apiserver or admission webhook must not look like a dead worker (30 s heartbeat
 * timeout, then a retry of the whole step, again and again).
 */
async function heartbeating<T>(fn: () => Promise<T>): Promise<T> {
  // A local activity has no heartbeat: its workflow task stands for it.
  const beat = Context.current().info.isLocal ? undefined : setInterval(() => heartbeat(), 5000);
  try {
    // A cancelled operation stops waiting here at once (the heartbeat delivers the cancel).
    return await Promise.race([asActivityFailure(fn), Context.current().cancelled]);
  } finally {
    clearInterval(beat);
  }
}

export function appKubeActivities(deps: ActivityDeps) {
  return {
    async validateApp({
      target,
      revision,
    }: {
      target: AppTarget;
      revision: AppRevision;
    }): Promise<{ services: number; volumes: number }> {
      if (revision.context.app.id !== target.appId)
        refuse(
          `revision ${revision.digest} is of ${revision.context.app.id}, not ${target.appId}`,
          'InvalidArgument',
        );
      const { context } = revision;
      // What the offline KOM check cannot know: whether the provider has the copy region.
      if (target.snapshots?.copyToRegion !== undefined)
        await asActivityFailure(async () => checkCopyToRegion(await driverFor(deps, target), target));
      return { services: context.compose.services.length, volumes: context.app.volumes.length };
    },

    async applyApp({
      target,
      revision,
    }: {
      target: AppTarget;
      revision: AppRevision;
    }): Promise<AppliedRender> {
      return heartbeating(async () => {
        const rendered = await renderTarget(deps, target, revision);
        const kc = await kubeConfigFor(deps, target);
        // The namespace first (namespaced dry runs need it), then the whole render as a server-side
        // dry run, so an object the apiserver rejects leaves nothing half-applied behind.
        const namespaces = rendered.objects.filter((o) => o.kind === 'Namespace');
        const rest = rendered.objects.filter((o) => o.kind !== 'Namespace');
        await applyObjects(kc, namespaces);
        await applyObjects(kc, rest, { dryRun: true });
        await applyObjects(kc, rest);
        const zones = new Set(
          Object.values(rendered.disks)
            .map((d) => d.zone)
            .filter(Boolean),
        );
        return {
          namespace: rendered.namespace,
          deployment: rendered.deploymentName,
          podSelector: `${LABEL.selector}=${rendered.deploymentName}`,
          renderHash: rendered.renderHash,
          objects: rendered.objects.length,
          zone: [...zones][0] ?? '',
        };
      });
    },

    async waitForAppRollout(input: {
      target: AppTarget;
      namespace: string;
      deployment: string;
      timeoutSeconds: number;
    }) {
      const kc = await kubeConfigFor(deps, input.target);
      const started = Date.now();
      let message = '';
      let last: unknown;
      // A rollout that makes no progress still heartbeats, or it would time out (and retry)
      // after the heartbeat timeout instead of failing at its own limit with the reason.
      const beat = setInterval(() => heartbeat(last), 5000);
      try {
        await waitForRollout(kc, {
          namespace: input.namespace,
          name: input.deployment,
          timeoutMs: input.timeoutSeconds * 1000,
          signal: Context.current().cancellationSignal,
          onProgress: (p) => {
            message = p.message;
            last = p;
            heartbeat(p);
          },
        });
      } catch (err) {
        if (Context.current().cancellationSignal.aborted) throw err;
        throw ApplicationFailure.nonRetryable(
          err instanceof Error ? err.message : String(err),
          'RolloutFailed',
        );
      } finally {
        clearInterval(beat);
      }
      return { seconds: Math.round((Date.now() - started) / 100) / 10, message: message || 'rolled out' };
    },

    /** Pods follow their disks: the running pod must be on a node in the disks' zone. */
    async verifyPlacement(input: { target: AppTarget; namespace: string; selector: string; zone: string }) {
      return heartbeating(async () => {
        const kc = await kubeConfigFor(deps, input.target);
        const pods = (await listAppPods(kc, input.namespace, input.selector)).filter(
          (p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp,
        );
        const pod = pods[0];
        if (!pod?.spec?.nodeName)
          refuse(`no running pod matches ${input.selector} in ${input.namespace}`, 'RolloutFailed');
        const node = await kc.makeApiClient(CoreV1Api).readNode({ name: pod.spec.nodeName });
        const nodeZone = node.metadata?.labels?.['topology.kubernetes.io/zone'] ?? '';
        if (input.zone) {
          const driver = await driverFor(deps, input.target);
          const expected = (await driver.resolveZone(input.zone)).topology;
          if (nodeZone !== expected) {
            refuse(
              `pod ${pod.metadata?.name} runs on ${pod.spec.nodeName} in zone "${nodeZone}" but its disks are in "${expected}"`,
              'WrongZone',
            );
          }
        }
        return { pod: pod.metadata?.name ?? '', node: pod.spec.nodeName, zone: nodeZone };
      });
    },

    /** Deletes the app's objects that an older render made (old PV/PVC pairs included). */
    async pruneApp(input: { target: AppTarget; namespace: string; keepRenderHash: string }) {
      return heartbeating(async () => {
        const kc = await kubeConfigFor(deps, input.target);
        const names = targetNames(input.target);
        const selector = `${instanceSelector(names)},${LABEL.renderHash}!=${input.keepRenderHash}`;
        const stale = await listByLabel(kc, selector, input.namespace);
        return { deleted: await deleteObjects(kc, stale) };
      });
    },

    /** Scales the app's Deployment (0 to stop it for a consistent snapshot, 1 to start it again). */
    async scaleApp(input: {
      target: AppTarget;
      replicas: number;
    }): Promise<{ namespace: string; deployment: string }> {
      return asActivityFailure(async () => {
        const kc = await kubeConfigFor(deps, input.target);
        const names = targetNames(input.target);
        await scaleDeployment(kc, names.namespace, names.componentName, input.replicas);
        if (input.replicas === 0) {
          // Wait until the pod is gone so the disk is quiet before the snapshot.
          // Checked often at first (a pod on a fast node is gone in a fraction of a second, and
          // the app is down meanwhile), then up to once a second.
          const deadline = Date.now() + 5 * 60_000;
          let wait = 100;
          while (
            (await listAppPods(kc, names.namespace, `${LABEL.selector}=${names.componentName}`)).length > 0
          ) {
            if (Date.now() > deadline)
              refuse(
                `pods of ${names.componentName} still exist 5 minutes after scaling to 0`,
                'ScaleTimeout',
              );
            heartbeat();
            await new Promise((r) => setTimeout(r, wait));
            wait = Math.min(1000, Math.round(wait * 1.5));
          }
        }
        return { namespace: names.namespace, deployment: names.componentName };
      });
    },

    /** Runs a snapshot hook command in a container of the app's pod; a non-zero exit fails it. */
    async execHook(input: {
      target: AppTarget;
      container: string;
      command: string[];
      timeoutSeconds: number;
    }): Promise<{ stdout: string }> {
      return heartbeating(async () => {
        if (input.command.length === 0) return { stdout: '' };
        const kc = await kubeConfigFor(deps, input.target);
        const names = targetNames(input.target);
        const pods = (
          await listAppPods(kc, names.namespace, `${LABEL.selector}=${names.componentName}`)
        ).filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
        const pod = pods[0]?.metadata?.name;
        if (!pod) refuse(`no running pod of ${names.componentName} to run the hook in`, 'HookFailed');
        const result = await execHookCommand(
          kc,
          { namespace: names.namespace, pod, container: input.container },
          input.command,
          input.timeoutSeconds,
        );
        if (result.exitCode !== 0) {
          refuse(
            `hook ${JSON.stringify(input.command)} in ${input.container} exited ${result.exitCode}: ${result.stderr.trim().split('\n').slice(-3).join(' ')}`,
            'HookFailed',
          );
        }
        return { stdout: result.stdout.slice(-4096) };
      });
    },

    /**
     * Pods that use a disk: through the PV Kompox binds to its handle and that PV's claim. A disk
     * assigned but not yet redeployed is still the running pod's disk until the next deploy.
     */
    async diskUsers(input: {
      target: AppTarget;
      volume: string;
      handle: string;
    }): Promise<{ pods: string[] }> {
      return heartbeating(async () => {
        let kc: KubeConfig;
        try {
          kc = await kubeConfigFor(deps, input.target);
        } catch (err) {
          // No cluster is routed for the app at all: no pod there can use the disk.
          if (err instanceof ApplicationFailure && err.type === 'NoCluster') return { pods: [] };
          throw err;
        }
        const core = kc.makeApiClient(CoreV1Api);
        const name = persistentVolumeName(targetNames(input.target), input.volume, input.handle);
        let claim: { namespace?: string; name?: string } | undefined;
        try {
          claim = (
            await withKubeError(`read PersistentVolume ${name}`, () => core.readPersistentVolume({ name }))
          ).spec?.claimRef;
        } catch (err) {
          if (isNotFound(err)) return { pods: [] };
          throw err;
        }
        if (!claim?.namespace || !claim.name) return { pods: [] };
        const pods = await withKubeError(`list pods in ${claim.namespace}`, () =>
          core.listNamespacedPod({ namespace: claim.namespace! }),
        );
        return {
          pods: pods.items
            .filter(
              (p) =>
                !['Succeeded', 'Failed'].includes(p.status?.phase ?? '') &&
                (p.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim.name),
            )
            .map((p) => `${claim.namespace}/${p.metadata?.name}`),
        };
      });
    },

    /** Removes the app from the cluster. Disks are untouched: PVs are Retain and disks live in the provider. */
    async destroyApp(input: { target: AppTarget; deleteNamespace: boolean }) {
      return heartbeating(async () => {
        const kc = await kubeConfigFor(deps, input.target);
        const names = targetNames(input.target);
        const api = KubernetesObjectApi.makeApiClient(kc);
        const deleted: string[] = [];
        try {
          await withKubeError(`delete Deployment ${names.namespace}/${names.componentName}`, () =>
            api.delete({
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              metadata: { name: names.componentName, namespace: names.namespace },
            }),
          );
          deleted.push(`Deployment ${names.namespace}/${names.componentName}`);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        deleted.push(
          ...(await deleteObjects(kc, await listByLabel(kc, instanceSelector(names), names.namespace))),
        );
        if (input.deleteNamespace) {
          deleted.push(
            ...(await deleteObjects(kc, [
              { apiVersion: 'v1', kind: 'Namespace', metadata: { name: names.namespace } },
            ])),
          );
        }
        return { deleted };
      });
    },
  };
}
