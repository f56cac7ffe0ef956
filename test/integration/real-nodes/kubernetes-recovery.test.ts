// Kubernetes' own recovery, with no Kompox involved: a real node under a single-replica app with a
// ReadWriteOnce volume loses power, and the test records how long until the app is Ready on the
// other node of its zone: detection (node-monitor-grace-period), eviction (the pod's default
// 300 s not-ready/unreachable toleration), then scheduling and start. The control plane and
// kubelets run with Kubernetes' default timings here, so the figure is the baseline Kompox's
// failover is measured against. The volume is a CSI volume attached by a VolumeAttachment, and
// the dead node last reported it in use, so the attach/detach controller waits its 6 minutes
// before it force-detaches it and the replacement can attach: that wait is in the figure.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, KubeConfig, StorageV1Api, V1Pod } from '@kubernetes/client-node';
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

  void it('brings an RWO app back on the other node only after detection, eviction and a forced detach', async (t) => {
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
    const replacement = await pollUntil(
      'a Ready replacement pod on the other node',
      async () => {
        if (marks.unknown === undefined && (await readNodeHealth(kc, node)).ready === 'Unknown')
          marks.unknown = since();
        const all = await pods();
        const old = all.find((p) => p.metadata?.uid === first.metadata?.uid);
        if (marks.evicted === undefined && old?.metadata?.deletionTimestamp) marks.evicted = since();
        const fresh = all.find((p) => p.metadata?.uid !== first.metadata?.uid);
        if (marks.created === undefined && fresh) marks.created = since();
        if (marks.detached === undefined && marks.evicted !== undefined) {
          const attachments = (await storage.listVolumeAttachment()).items;
          if (!attachments.some((a) => a.spec.nodeName === node)) marks.detached = since();
        }
        return fresh && ready(fresh) ? fresh : undefined;
      },
      { timeoutMs: 18 * 60_000, intervalMs: 1000 },
    );
    marks.ready = since();
    t.diagnostic(
      `Kubernetes alone, powered-off node: Ready=Unknown after ${marks.unknown}s, pod evicted after ${marks.evicted}s, ` +
        `replacement created after ${marks.created}s, volume detached from ${node} after ${marks.detached}s, ` +
        `Ready on ${replacement.spec?.nodeName} after ${marks.ready}s`,
    );
    assert.notEqual(replacement.spec?.nodeName, node);
    assert.ok(marks.unknown! >= DEFAULTS.nodeMonitorGraceSeconds - 5, `node Unknown after ${marks.unknown}s`);
    // The eviction waits out the pod's 300 s toleration after the taint.
    assert.ok(
      marks.evicted! - marks.unknown! >= 290,
      `evicted ${marks.evicted! - marks.unknown!}s after Unknown`,
    );
  });
});
