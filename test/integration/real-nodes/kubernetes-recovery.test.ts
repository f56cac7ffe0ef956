// Kubernetes' own recovery, with no Kompox involved: a real node under a single-replica app with a
// ReadWriteOnce CSI volume loses power. Measured with Kubernetes' default timings, this is the
// baseline Kompox's failover is measured against: detection (node-monitor-grace-period), then
// eviction after the pod's default 300 s unreachable toleration. The evicted pod then stays
// Terminating, since no kubelet confirms it stopped, and its volume stays attached to the dead
// node. The attach/detach controller's 6-minute forced detach never starts, so the replacement
// waits ("Waiting for detach") for good. Only the out-of-service taint (or deleting the Node)
// lets Kubernetes delete the pod, force-detach the volume and start the replacement elsewhere.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  StorageV1Api,
  V1Pod,
} from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterInfo, failRealNodeOf, findRealNode, startCluster, stopCluster } from '../../../dev/cluster';
import { applyObject } from '../../../kube/apply';
import { loadKubeConfig } from '../../../kube/kubeconfig';
import { readNodeHealth } from '../../../kube/node-conditions';
import { pollUntil } from '../../../kube/poll';
import { waitForRollout } from '../../../kube/rollout';

const NS = 'default';
const ZONE = 'local-1a';
/** kube-controller-manager's and the kubelet's defaults in Kubernetes 1.36. */
const DEFAULTS = { nodeMonitorGraceSeconds: 50, nodeLeaseSeconds: 40 };

const ready = (p: V1Pod): boolean =>
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

void describe("Kubernetes' own recovery from a powered-off node", () => {
  let dir: string;
  let info: ClusterInfo;
  let kc: KubeConfig;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kompox-k8s-recovery-'));
    info = await startCluster({
      dir,
      build: true,
      realNodes: 2,
      realNodeZones: [ZONE],
      timing: DEFAULTS,
    });
    kc = loadKubeConfig({ path: info.kubeconfigPath });
  });
  after(async () => {
    if (dir) {
      await stopCluster(dir).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('leaves an RWO app down after detection and eviction until the node is tainted out-of-service', async (t) => {
    // A CSI volume of the dev stack's default StorageClass: attached to the node by a VolumeAttachment.
    await applyObject(kc, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: NS },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    await applyObject(kc, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'app', namespace: NS },
      spec: {
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { app: 'app' } },
        template: {
          metadata: { labels: { app: 'app' } },
          spec: {
            // No tolerations: the DefaultTolerationSeconds admission plugin adds 300 s ones.
            nodeSelector: { 'kompox.dev/node-pool': 'real' },
            containers: [
              {
                name: 'main',
                image: 'busybox:1.36',
                command: [
                  'sh',
                  '-c',
                  'hostname >> /data/hosts; touch /tmp/ok; while true; do sleep 3600 & wait $!; done',
                ],
                readinessProbe: { exec: { command: ['test', '-f', '/tmp/ok'] }, periodSeconds: 1 },
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
              },
            ],
            volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
          },
        },
      },
    });
    await waitForRollout(kc, { namespace: NS, name: 'app', timeoutMs: 120_000 });
    const core = kc.makeApiClient(CoreV1Api);
    const storage = kc.makeApiClient(StorageV1Api);
    const pods = async () =>
      (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=app' })).items;
    const [first] = await pods();
    const node = first?.spec?.nodeName ?? '';
    assert.ok(first && node.startsWith('real-'), `first pod on ${node}`);

    const t0 = Date.now();
    await failRealNodeOf(info, findRealNode(info, node)!, 'poweroff');
    const since = (): number => (Date.now() - t0) / 1000;
    const marks: Record<string, number> = {};
    const attachedToDeadNode = async () =>
      (await storage.listVolumeAttachment()).items.some((a) => a.spec.nodeName === node);
    const readyReplacement = async () =>
      (await pods()).find((p) => p.metadata?.uid !== first.metadata?.uid && ready(p));

    // Detection, then eviction after the pod's default 300 s toleration.
    await pollUntil(
      'the pod evicted from the dead node',
      async () => {
        if (marks.unknown === undefined && (await readNodeHealth(kc, node)).ready === 'Unknown')
          marks.unknown = since();
        const old = (await pods()).find((p) => p.metadata?.uid === first.metadata?.uid);
        return old?.metadata?.deletionTimestamp ? (marks.evicted = since()) : undefined;
      },
      { timeoutMs: 8 * 60_000, intervalMs: 1000 },
    );
    assert.ok(marks.unknown! >= DEFAULTS.nodeMonitorGraceSeconds - 5, `node Unknown after ${marks.unknown}s`);
    assert.ok(
      marks.evicted! - marks.unknown! >= 290,
      `evicted ${marks.evicted! - marks.unknown!}s after Unknown`,
    );

    // The evicted pod stays Terminating (no kubelet confirms it stopped), so its volume stays
    // attached to the dead node: the attach/detach controller's 6-minute forced detach only
    // starts once the pod object is gone. Past that window the replacement is still waiting.
    await sleep(6.5 * 60_000);
    marks.stillWaiting = since();
    assert.equal(await attachedToDeadNode(), true, 'the volume left the dead node without help');
    assert.equal(await readyReplacement(), undefined, 'a replacement became Ready without help');

    // What the failover issue automates: the out-of-service taint. Kubernetes then deletes the pod,
    // force-detaches the volume and the replacement attaches on the other node.
    await core.patchNode(
      {
        name: node,
        body: {
          spec: {
            taints: [
              { key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' },
            ],
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    marks.tainted = since();
    const replacement = await pollUntil(
      'a Ready replacement on the other node after the out-of-service taint',
      async () => {
        if (marks.detached === undefined && !(await attachedToDeadNode())) marks.detached = since();
        return readyReplacement();
      },
      { timeoutMs: 5 * 60_000, intervalMs: 500 },
    );
    marks.ready = since();
    t.diagnostic(
      `Kubernetes alone, powered-off node, RWO CSI volume: Ready=Unknown after ${marks.unknown}s, pod evicted after ` +
        `${marks.evicted}s, still attached to the dead node with no Ready replacement after ${marks.stillWaiting}s; ` +
        `out-of-service taint at ${marks.tainted}s: detached after ${marks.detached}s, Ready on ` +
        `${replacement.spec?.nodeName} after ${marks.ready}s`,
    );
    assert.notEqual(replacement.spec?.nodeName, node);
  });
});
