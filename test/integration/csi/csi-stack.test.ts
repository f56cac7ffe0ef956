// The dev cluster's CSI stack for real: Kubernetes' own provisioner, attacher, snapshotter and
// snapshot-controller against Kompox's dev CSI plugin. A claim is provisioned in the zone of the
// node its pod was scheduled to; the attach/detach controller attaches it with a VolumeAttachment
// (on kwok and real nodes alike); a second pod on another node hits the real Multi-Attach error;
// a VolumeSnapshot becomes ReadyToUse and a claim restored from it holds the same bytes; a real
// node's kubelet mounts the volume through the plugin's node service and reports it in use.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  StorageV1Api,
  V1PersistentVolume,
  V1Pod,
} from '@kubernetes/client-node';
import {
  ClusterInfo,
  failNode,
  failRealNodeOf,
  recoverNode,
  recoverRealNodeOf,
  startCluster,
  stopCluster,
  waitForNodeReady,
} from '../../../dev/cluster';
import { CSI_DRIVER_NAME } from '../../../dev/cluster/csi/csi-plugin';
import { csiStateDir } from '../../../dev/cluster/csi/csi-stack';
import { applyObject } from '../../../kube/apply';
import { execInContainer } from '../../../kube/exec';
import { loadKubeConfig } from '../../../kube/kubeconfig';
import { pollUntil } from '../../../kube/poll';

const NS = 'default';
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

function claim(name: string, dataSource?: string) {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: NS },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
      ...(dataSource
        ? { dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: dataSource } }
        : {}),
    },
  };
}

function pod(name: string, claimName: string, node: string): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: {
      // Scheduled, not pinned: the scheduler triggers provisioning (WaitForFirstConsumer).
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] },
            ],
          },
        },
      },
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'main',
          image: 'busybox:1.36',
          command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 3600 & wait $!; done'],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
    },
  };
}

void describe('the CSI stack', () => {
  let dir: string;
  let info: ClusterInfo;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let storage: StorageV1Api;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kompox-csi-'));
    info = await startCluster({ dir, build: true, realNodes: 1 });
    kc = loadKubeConfig({ path: info.kubeconfigPath });
    core = kc.makeApiClient(CoreV1Api);
    storage = kc.makeApiClient(StorageV1Api);
  });
  after(async () => {
    if (dir) {
      await stopCluster(dir).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const boundPv = async (claimName: string): Promise<V1PersistentVolume> =>
    pollUntil(
      `claim ${claimName} bound`,
      async () => {
        const c = await core.readNamespacedPersistentVolumeClaim({ namespace: NS, name: claimName });
        if (c.status?.phase !== 'Bound' || !c.spec?.volumeName) return undefined;
        return core.readPersistentVolume({ name: c.spec.volumeName });
      },
      { timeoutMs: 60_000, intervalMs: 300 },
    );
  const attachment = (pvName: string, node: string) =>
    pollUntil(
      `VolumeAttachment of ${pvName} to ${node} attached`,
      async () =>
        (await storage.listVolumeAttachment()).items.find(
          (a) =>
            a.spec.source.persistentVolumeName === pvName && a.spec.nodeName === node && a.status?.attached,
        ),
      { timeoutMs: 60_000, intervalMs: 300 },
    );
  const volumeData = (pv: V1PersistentVolume): string =>
    join(csiStateDir(dir), 'volumes', pv.spec?.csi?.volumeHandle ?? '?', 'data');

  let firstPv: V1PersistentVolume;

  void it('provisions in the scheduled node’s zone and attaches with a VolumeAttachment (kwok node)', async () => {
    await applyObject(kc, claim('one'));
    await applyObject(kc, pod('one', 'one', 'kwok-local-1b-1'));
    firstPv = await boundPv('one');
    assert.equal(firstPv.spec?.csi?.driver, CSI_DRIVER_NAME);
    assert.deepEqual(
      firstPv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values,
      ['local-1b'],
    );
    const va = await attachment(firstPv.metadata!.name!, 'kwok-local-1b-1');
    assert.equal(va.spec.attacher, CSI_DRIVER_NAME);
    // ControllerPublishVolume reached the plugin.
    assert.equal(
      readFileSync(
        join(csiStateDir(dir), 'publications', firstPv.spec!.csi!.volumeHandle, 'kwok-local-1b-1'),
        'utf8',
      ).length > 0,
      true,
    );
  });

  void it('refuses a second node with the real Multi-Attach error', async () => {
    await applyObject(kc, pod('two', 'one', 'kwok-local-1b-2'));
    const event = await pollUntil(
      'a FailedAttachVolume event for pod two',
      async () =>
        (
          await core.listNamespacedEvent({ namespace: NS, fieldSelector: 'involvedObject.name=two' })
        ).items.find((e) => e.reason === 'FailedAttachVolume'),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    // Kubernetes 1.36 words it "Waiting for detach" (older releases: "Multi-Attach error").
    assert.match(
      event.message ?? '',
      /^(Waiting for detach|Multi-Attach error) for volume "pvc-[^"]+" Volume is already used by pod\(s\) one$/,
    );
    await core.deleteNamespacedPod({ namespace: NS, name: 'two', gracePeriodSeconds: 0 });
  });

  void it('takes a ReadyToUse VolumeSnapshot and restores its bytes into a new claim', async () => {
    const blob = randomBytes(100_000);
    writeFileSync(join(volumeData(firstPv), 'blob.bin'), blob);
    await applyObject(kc, {
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshot',
      metadata: { name: 'one-snap', namespace: NS },
      spec: { source: { persistentVolumeClaimName: 'one' } },
    } as never);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const snap = await pollUntil(
      'VolumeSnapshot one-snap ReadyToUse',
      async () => {
        const s = (await custom.getNamespacedCustomObject({
          group: 'snapshot.storage.k8s.io',
          version: 'v1',
          namespace: NS,
          plural: 'volumesnapshots',
          name: 'one-snap',
        })) as { status?: { readyToUse?: boolean; boundVolumeSnapshotContentName?: string } };
        return s.status?.readyToUse ? s : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    assert.ok(snap.status?.boundVolumeSnapshotContentName);
    // Changed after the snapshot: the restore must not see this.
    writeFileSync(join(volumeData(firstPv), 'blob.bin'), 'later');

    await applyObject(kc, claim('restored', 'one-snap'));
    await applyObject(kc, pod('restored', 'restored', 'kwok-local-1c-1'));
    const pv = await boundPv('restored');
    assert.notEqual(pv.spec?.csi?.volumeHandle, firstPv.spec?.csi?.volumeHandle);
    assert.equal(sha(readFileSync(join(volumeData(pv), 'blob.bin'))), sha(blob));
  });

  void it('mounts through the node plugin on a real node, which reports the volume in use', async () => {
    const node = info.realNodes!.nodes[0]!.name;
    await applyObject(kc, claim('real'));
    await applyObject(kc, pod('real', 'real', node));
    const pv = await boundPv('real');
    await attachment(pv.metadata!.name!, node);
    await pollUntil(
      'pod real Running',
      async () =>
        (await core.readNamespacedPod({ namespace: NS, name: 'real' })).status?.phase === 'Running'
          ? true
          : undefined,
      { timeoutMs: 60_000, intervalMs: 300 },
    );
    const r = await execInContainer(
      kc,
      { namespace: NS, pod: 'real', container: 'main' },
      ['sh', '-c', 'echo from-the-pod > /data/hello; cat /data/hello'],
      10_000,
    );
    assert.equal(r.stdout, 'from-the-pod\n', r.stderr);
    assert.equal(readFileSync(join(volumeData(pv), 'hello'), 'utf8'), 'from-the-pod\n');
    const inUse = await pollUntil(
      `${node} reporting the volume in use`,
      async () => {
        const n = await core.readNode({ name: node });
        return n.status?.volumesInUse?.find((v) => v.includes(pv.spec!.csi!.volumeHandle));
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    assert.match(inUse, new RegExp(`^kubernetes.io/csi/${CSI_DRIVER_NAME.replace(/\./g, '\\.')}\\^`));
  });

  const detached = (pvName: string, node: string) =>
    pollUntil(
      `VolumeAttachment of ${pvName} to ${node} gone`,
      async () =>
        (await storage.listVolumeAttachment()).items.some(
          (a) => a.spec.source.persistentVolumeName === pvName && a.spec.nodeName === node,
        )
          ? undefined
          : true,
      { timeoutMs: 60_000, intervalMs: 250 },
    );

  void it('kwok reports no volume in use, so a silent kwok node’s volume detaches at once', async (t) => {
    const node = 'kwok-local-1b-1';
    assert.deepEqual((await core.readNode({ name: node })).status?.volumesInUse ?? [], []);
    await failNode(kc, node, 'unreachable', { waitMs: 60_000 });
    t.after(() => recoverNode(kc, node, { waitMs: 60_000 }).then(() => undefined));
    const t0 = Date.now();
    await core.deleteNamespacedPod({ namespace: NS, name: 'one', gracePeriodSeconds: 0 });
    await detached(firstPv.metadata!.name!, node);
    const seconds = (Date.now() - t0) / 1000;
    t.diagnostic(`kwok node unreachable: detached ${seconds.toFixed(1)}s after the pod was deleted`);
    // No 6-minute maxWaitForUnmountDuration: the controller never saw the volume in use.
    assert.ok(seconds < 30, `took ${seconds}s`);
  });

  void it('a powered-off real node keeps its volume attached until the out-of-service taint', async (t) => {
    const spec = info.realNodes!.nodes[0]!;
    const pv = await boundPv('real');
    await failRealNodeOf(info, spec, 'poweroff');
    t.after(async () => {
      await core
        .patchNode(
          { name: spec.name, body: [{ op: 'remove', path: '/spec/taints' }] },
          setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
        )
        .catch(() => undefined);
      await recoverRealNodeOf(info, spec, kc, 90_000);
    });
    await waitForNodeReady(kc, spec.name, 'Unknown', { timeoutMs: 60_000 });
    await core.deleteNamespacedPod({ namespace: NS, name: 'real', gracePeriodSeconds: 0 });
    // The node last reported the volume in use: the controller will not detach it now.
    await sleep(20_000);
    const still = (await storage.listVolumeAttachment()).items.some(
      (a) => a.spec.source.persistentVolumeName === pv.metadata!.name && a.spec.nodeName === spec.name,
    );
    assert.equal(still, true, 'detached before the 6-minute wait and without the taint');
    const t0 = Date.now();
    await core.patchNode(
      {
        name: spec.name,
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
    await detached(pv.metadata!.name!, spec.name);
    t.diagnostic(
      `real node powered off: force-detached ${((Date.now() - t0) / 1000).toFixed(1)}s after the out-of-service taint`,
    );
  });
});
