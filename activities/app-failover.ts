// Activities of an app failover: take the app's pod off its dead node and see its disks leave
// that node, so the replacement pod can attach them on a healthy node of the disks' zone.
import { Context, heartbeat } from '@temporalio/activity';
import { CoreV1Api, StorageV1Api } from '@kubernetes/client-node';
import { waitForOperation } from '../drivers/long-operation';
import { listAppPods } from '../kube/app-pods';
import { LABEL, instanceSelector } from '../kube/convert/labels';
import { withKubeError } from '../kube/errors';
import { forceDeletePod } from '../kube/force-delete';
import type { AppTarget } from '../api/app-target';
import { targetNames } from './app-context';
import { kubeConfigFor } from './cluster-access';
import type { ActivityDeps } from './deps';
import { driverFor } from './driver-for-target';
import { asActivityFailure, refuse } from './failures';

export function appFailoverActivities(deps: ActivityDeps) {
  return {
    /** Force-deletes the app's pods on the node: safe only because the node is fenced or down. */
    async forceDeleteAppPods(input: { target: AppTarget; node: string }) {
      return asActivityFailure(async () => {
        const kc = await kubeConfigFor(deps, input.target);
        const names = targetNames(input.target);
        const selector = `${LABEL.selector}=${names.componentName}`;
        const onNode = (await listAppPods(kc, names.namespace, selector)).filter(
          (p) => p.spec?.nodeName === input.node,
        );
        const deleted: string[] = [];
        for (const pod of onNode) {
          if (await forceDeletePod(kc, names.namespace, pod.metadata?.name ?? ''))
            deleted.push(pod.metadata!.name!);
        }
        return { namespace: names.namespace, deployment: names.componentName, selector, deleted };
      });
    },

    /**
     * Waits until no VolumeAttachment ties the app's volumes to the node (Kubernetes detaches them
     * at once under the out-of-service taint). Where the cloud still shows a disk attached to the
     * node's VM half-way through the wait and the driver can, it force-detaches it there.
     */
    async waitForVolumesDetached(input: { target: AppTarget; node: string; timeoutSeconds: number }) {
      return asActivityFailure(async () => {
        const kc = await kubeConfigFor(deps, input.target);
        const names = targetNames(input.target);
        const core = kc.makeApiClient(CoreV1Api);
        const storage = kc.makeApiClient(StorageV1Api);
        const pvs = await withKubeError('list the app’s PersistentVolumes', () =>
          core.listPersistentVolume({ labelSelector: instanceSelector(names) }),
        );
        const pvNames = new Set(pvs.items.map((pv) => pv.metadata?.name ?? ''));
        const attached = async (): Promise<string[]> =>
          (await withKubeError('list VolumeAttachments', () => storage.listVolumeAttachment())).items
            .filter(
              (a) => a.spec.nodeName === input.node && pvNames.has(a.spec.source.persistentVolumeName ?? ''),
            )
            .map((a) => a.metadata?.name ?? '');
        const started = Date.now();
        const signal = Context.current().cancellationSignal;
        let forced = 0;
        let left = await attached();
        const initially = left.length;
        while (left.length > 0) {
          const waited = Date.now() - started;
          if (waited > input.timeoutSeconds * 1000) {
            refuse(
              `VolumeAttachments ${left.join(', ')} still tie the app's volumes to ${input.node} after ${input.timeoutSeconds}s; is the node tainted node.kubernetes.io/out-of-service?`,
              'DetachTimeout',
            );
          }
          if (forced === 0 && waited > (input.timeoutSeconds * 1000) / 2) forced = await forceDetach(input);
          heartbeat(left);
          await new Promise((r) => setTimeout(r, 1000));
          signal.throwIfAborted();
          left = await attached();
        }
        return { attachments: initially, forced, seconds: Math.round((Date.now() - started) / 100) / 10 };
      });
    },
  };

  /** Detaches in the cloud what the cloud still shows attached to the node; the count of disks. */
  async function forceDetach(input: { target: AppTarget; node: string }): Promise<number> {
    const driver = await driverFor(deps, input.target);
    if (!driver.capabilities.forceDetach) return 0;
    let count = 0;
    for (const volume of input.target.volumes) {
      const disks = (await driver.listDisks({ app: input.target.appName, volume: volume.name })).filter(
        (d) => d.assigned,
      );
      for (const disk of disks) {
        const ref = { app: input.target.appName, volume: volume.name, name: disk.name };
        const onNode = (await driver.listAttachments(ref)).filter((a) => a.nodeName === input.node);
        for (const a of onNode) {
          const op = await driver.beginForceDetach({ disk: ref, instanceId: a.instanceId });
          await waitForOperation(driver, op, { onPoll: (o) => heartbeat(o) });
          count++;
        }
      }
    }
    return count;
  }
}
