// Read activities for `kompoxops app status` and the CLI's checks: what runs in the cluster for
// the app, and whether a zone name means something to the provider. They run on the worker, so
// the CLI needs neither cloud nor cluster credentials.
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { LABEL } from '../kube/convert/labels';
import { isNotFound, withKubeError } from '../kube/errors';
import { podProblems } from '../kube/pod-problems';
import type { KubernetesObject } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { renderYaml } from '../kube/convert/render-yaml';
import type { AppRevision } from '../api/app-revision';
import type { AppTarget } from '../api/app-target';
import { assignedDisks, renderTarget } from './app-kube';
import type { AssignedDisk } from '../kube/convert/types';
import { targetNames } from './app-context';
import { kubeConfigFor } from './cluster-access';
import type { ActivityDeps } from './deps';
import { driverFor } from './driver-for-target';
import { asActivityFailure } from './failures';

export interface AppRuntime {
  namespace: string;
  deployment: string;
  ready: boolean;
  pod?: string;
  node?: string;
  zone?: string;
  images: string[];
  /** What keeps the app's pod from running (pull errors, a disk held on another node, ...). */
  problems: string[];
}

export function appRuntimeActivities(deps: ActivityDeps) {
  return {
    async appRuntime({ target }: { target: AppTarget }): Promise<AppRuntime> {
      return asActivityFailure(async () => {
        const names = targetNames(target);
        const status: AppRuntime = {
          namespace: names.namespace,
          deployment: names.componentName,
          ready: false,
          images: [],
          problems: [],
        };
        const kc = await kubeConfigFor(deps, target);
        try {
          const dep = await withKubeError(`read Deployment ${names.namespace}/${names.componentName}`, () =>
            kc
              .makeApiClient(AppsV1Api)
              .readNamespacedDeployment({ name: names.componentName, namespace: names.namespace }),
          );
          // Sidecars (compose services the app waits for) run as native sidecars: init containers.
          const podSpec = dep.spec?.template.spec;
          status.images = [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])].map(
            (c) => c.image ?? '',
          );
          status.ready =
            (dep.status?.readyReplicas ?? 0) >= 1 &&
            (dep.status?.updatedReplicas ?? 0) >= 1 &&
            (dep.status?.replicas ?? 0) === (dep.status?.updatedReplicas ?? 0);
        } catch (err) {
          if (isNotFound(err)) return status;
          throw err;
        }
        const core = kc.makeApiClient(CoreV1Api);
        const pods = await withKubeError(`list pods of ${names.componentName}`, () =>
          core.listNamespacedPod({
            namespace: names.namespace,
            labelSelector: `${LABEL.selector}=${names.componentName}`,
          }),
        );
        const pod =
          pods.items.find((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp) ??
          pods.items[0];
        if (pod?.metadata?.name) status.pod = pod.metadata.name;
        if (pod && !status.ready) status.problems = await podProblems(kc, pod);
        if (pod?.spec?.nodeName) {
          status.node = pod.spec.nodeName;
          const node = await withKubeError(`read Node ${pod.spec.nodeName}`, () =>
            core.readNode({ name: pod.spec!.nodeName! }),
          );
          const zone = node.metadata?.labels?.['topology.kubernetes.io/zone'];
          if (zone) status.zone = zone;
        }
        return status;
      });
    },

    /**
     * The objects a revision renders to on the app's assigned disks, as YAML, with Secret values
     * replaced by a digest: what `app diff` compares, without secret values leaving the worker.
     */
    async renderRevision({
      target,
      revision,
    }: {
      target: AppTarget;
      revision: AppRevision;
    }): Promise<string> {
      return asActivityFailure(async () => {
        const rendered = await renderTarget(deps, target, revision);
        return renderYaml(rendered.objects.map(maskSecret));
      });
    },

    /**
     * The assigned disk of each volume with its PV source, for `app render` to convert on the
     * CLI's side: the CLI needs no cloud credentials, the worker has them.
     */
    async assignedDisks({
      target,
      volumes,
    }: {
      target: AppTarget;
      volumes: string[];
    }): Promise<Record<string, AssignedDisk>> {
      return asActivityFailure(() => assignedDisks(deps, target, volumes));
    },

    /** A zone the provider knows, as KOM and topology names; InvalidArgument otherwise. */
    async resolveZone({ target, zone }: { target: AppTarget; zone: string }) {
      return asActivityFailure(async () => (await driverFor(deps, target)).resolveZone(zone));
    },
  };
}

/** kubectl diff's habit: a Secret's values are shown as a digest, so a change still shows. */
function maskSecret(object: KubernetesObject): KubernetesObject {
  if (object.kind !== 'Secret') return object;
  const secret = object as KubernetesObject & {
    data?: Record<string, string>;
    stringData?: Record<string, string>;
  };
  const mask = (values?: Record<string, string>) =>
    values &&
    Object.fromEntries(
      Object.entries(values).map(([k, v]) => [
        k,
        `*** sha256:${createHash('sha256').update(v).digest('hex').slice(0, 12)}`,
      ]),
    );
  return {
    ...secret,
    ...(secret.data ? { data: mask(secret.data) } : {}),
    ...(secret.stringData ? { stringData: mask(secret.stringData) } : {}),
  } as KubernetesObject;
}
