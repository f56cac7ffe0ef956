// An app on the k3s provider end to end, on the dev cluster's CSI stack and a real node: deploy
// provisions its disk as a CSI volume in the app's zone and the pod gets it through a
// VolumeAttachment; the app writes its own data there; a snapshot is a ReadyToUse VolumeSnapshot;
// a restore brings the app's file back, byte for byte, on a new CSI volume the new pod mounts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  StorageV1Api,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { AppStatus } from '../../../cli/commands/app';
import type { OperationRecord } from '../../../api/operation';
import { CSI_DRIVER_NAME } from '../../../dev/cluster/csi/csi-plugin';
import { csiStateDir } from '../../../dev/cluster/csi/csi-stack';
import { applyObject } from '../../../kube/apply';
import { devClusterDir } from '../../../dev/dev-stack';
import { journalProject, kompoxops, useK3sProvider } from '../../helpers/deploy-project';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import { journalApp } from '../../helpers/journal-app';
import { eventually, kubeConfigOf } from '../../helpers/kube-app';
import { setWikiSnapshots } from '../../helpers/snapshots';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

void describe('an app on the k3s provider (CSI)', () => {
  let stack: TestStack;
  let kc: KubeConfig;
  const project = journalProject(`k3sapp${process.pid}`);
  useK3sProvider(project);
  let payload = '';
  /** The k3s driver's VolumeSnapshots (in its default disk namespace). */
  const volumeSnapshots = async () =>
    (await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
      group: 'snapshot.storage.k8s.io',
      version: 'v1',
      namespace: 'kompox-disks',
      plural: 'volumesnapshots',
    })) as { items: { status?: { readyToUse?: boolean } }[] };
  let snapshotName = '';

  before(async () => {
    stack = await startTestStack({ realNodes: 1 });
    kc = kubeConfigOf(stack.kubeconfig);
  });
  after(async () => {
    await stack?.stop();
    rmSync(project.dir, { recursive: true, force: true });
  });

  const { json, dataDisk, readyStatus, inPod } = journalApp(
    () => stack,
    () => kc,
    project,
  );

  /** Where the dev CSI plugin keeps a volume's bytes. */
  const volumeData = (handle: string): string =>
    join(csiStateDir(devClusterDir(stack.dir)), 'volumes', handle, 'data');

  void it('deploys onto a CSI volume in its zone, attached to the pod’s node', async () => {
    const deployed = await json<OperationRecord>('app', 'deploy', '--bootstrap-disks');
    assert.equal(deployed.phase, 'Completed', JSON.stringify(deployed.failure));
    const s = await readyStatus();
    assert.equal(s.zone, 'local-1a');
    const disk = await dataDisk();
    assert.equal(disk.zone, 'local-1a');
    const attachments = (await kc.makeApiClient(StorageV1Api).listVolumeAttachment()).items;
    const pvs = (await kc.makeApiClient(CoreV1Api).listPersistentVolume()).items.filter(
      (pv) => pv.spec?.csi?.volumeHandle === disk.handle,
    );
    assert.ok(
      attachments.some(
        (a) =>
          a.spec.nodeName === s.node &&
          pvs.some((pv) => pv.metadata?.name === a.spec.source.persistentVolumeName) &&
          a.status?.attached,
      ),
      `no attached VolumeAttachment of ${disk.handle} to ${s.node}`,
    );
    const bytes = readFileSync(join(volumeData(disk.handle), 'payload.bin'));
    assert.equal(bytes.length, 262144);
    payload = sha256(bytes);
    assert.equal((await inPod(s, 'sha256sum /data/payload.bin')).split(' ')[0], payload);
  });

  void it('takes a snapshot as a ReadyToUse VolumeSnapshot', async () => {
    const snap = await json<OperationRecord>('snapshot', 'create');
    assert.equal(snap.phase, 'Completed', JSON.stringify(snap.failure));
    snapshotName = String(snap.figures?.['volume.data']);
    const list = await volumeSnapshots();
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0]?.status?.readyToUse, true);
  });

  void it('restores the app’s file byte for byte on a new CSI volume', async () => {
    const s = await readyStatus();
    const old = await dataDisk();
    await inPod(s, 'head -c 1000 /dev/urandom > /data/payload.bin; sync');
    const restored = await json<OperationRecord>('snapshot', 'restore', '-V', 'data', '-N', snapshotName);
    assert.equal(restored.phase, 'Completed', JSON.stringify(restored.failure));
    const fresh = await dataDisk();
    assert.notEqual(fresh.handle, old.handle);
    assert.equal(sha256(readFileSync(join(volumeData(fresh.handle), 'payload.bin'))), payload);
    const after = await readyStatus();
    assert.equal((await inPod(after, 'sha256sum /data/payload.bin')).split(' ')[0], payload);
  });

  void it('applies retention through the snapshot API: keepLast 1 deletes the older VolumeSnapshot', async () => {
    setWikiSnapshots(project, ['consistency: crash', 'retention: { keepLast: 1 }']);
    const snap = await json<OperationRecord>('snapshot', 'create');
    assert.equal(snap.phase, 'Completed', JSON.stringify(snap.failure));
    const newest = String(snap.figures?.['volume.data']);
    const names = (await json<{ name: string }[]>('snapshot', 'list')).map((x) => x.name);
    assert.deepEqual(names, [newest]);
    const list = await volumeSnapshots();
    assert.equal(list.items.length, 1, 'the older VolumeSnapshot is still there');
    assert.equal(list.items[0]?.status?.readyToUse, true);
  });

  void it('takes scheduled snapshots as VolumeSnapshots and prunes them with keepLast 2', async (t) => {
    setWikiSnapshots(project, ["schedule: '@every 3s'", 'consistency: crash', 'retention: { keepLast: 2 }']);
    // Scheduled runs act on the deployed revision: apply says so until the new policy is deployed.
    const early = await kompoxops(stack, project.dir, 'schedule', 'apply');
    assert.equal(early.status, 0, early.stderr);
    assert.match(
      early.stderr,
      /spec\.snapshots .* differs from the deployed revision; scheduled runs use the deployed one/,
    );
    const deployed = await json<OperationRecord>('app', 'deploy');
    assert.equal(deployed.phase, 'Completed', JSON.stringify(deployed.failure));
    const applied = await kompoxops(stack, project.dir, 'schedule', 'apply');
    assert.equal(applied.status, 0, applied.stderr);
    assert.doesNotMatch(applied.stderr, /differs from the deployed revision/);
    let deleted = false;
    const stop = async () => {
      if (deleted) return;
      deleted = true;
      const r = await kompoxops(stack, project.dir, 'schedule', 'delete');
      assert.equal(r.status, 0, r.stderr);
    };
    t.after(stop);
    const scheduled = () =>
      json<OperationRecord[]>('op', 'list').then((ops) =>
        ops.filter((o) => o.kind === 'snapshot.create' && o.requester.via === 'schedule'),
      );
    await eventually('three scheduled snapshots completed', async () =>
      (await scheduled()).filter((o) => o.phase === 'Completed').length >= 3 ? true : undefined,
    );
    await stop();
    // Let a run the schedule started before its deletion finish.
    await eventually('no scheduled snapshot running', async () =>
      (await scheduled()).every((o) => o.phase === 'Completed' || o.phase === 'Failed') ? true : undefined,
    );
    const runs = await scheduled();
    assert.ok(
      runs.every((o) => o.phase === 'Completed'),
      JSON.stringify(runs.map((o) => o.failure)),
    );
    const names = (await json<{ name: string }[]>('snapshot', 'list')).map((x) => x.name);
    assert.equal(names.length, 2, `kept: ${names.join(', ')}`);
    const list = await volumeSnapshots();
    assert.equal(list.items.length, 2, 'retention did not delete the older VolumeSnapshots');
    assert.ok(list.items.every((v) => v.status?.readyToUse === true));
  });

  void it('says in app status when its disk is held by a pod on another node (Multi-Attach)', async (t) => {
    const s = await readyStatus();
    const disk = await dataDisk();
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const scale = (replicas: number) =>
      apps.patchNamespacedDeploymentScale(
        { namespace: s.namespace, name: s.deployment, body: { spec: { replicas } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    // Another pod on another node of the zone takes the disk while the app is scaled to 0.
    await scale(0);
    await applyObject(kc, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'intruder' } });
    await applyObject(kc, {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'intruder-held' },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        storageClassName: '',
        csi: { driver: CSI_DRIVER_NAME, volumeHandle: disk.handle },
        claimRef: { namespace: 'intruder', name: 'held' },
      },
    });
    await applyObject(kc, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'held', namespace: 'intruder' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: '',
        volumeName: 'intruder-held',
        resources: { requests: { storage: '1Gi' } },
      },
    });
    await applyObject(kc, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'intruder', namespace: 'intruder' },
      spec: {
        nodeName: 'kwok-local-1a-1',
        containers: [{ name: 'main', image: 'busybox:1.36', volumeMounts: [{ name: 'd', mountPath: '/d' }] }],
        volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'held' } }],
      },
    });
    t.after(async () => {
      await core.deleteNamespace({ name: 'intruder' }).catch(() => undefined);
      await core.deletePersistentVolume({ name: 'intruder-held' }).catch(() => undefined);
    });
    await eventually(
      'the disk attached to the intruder’s node',
      async () =>
        (await kc.makeApiClient(StorageV1Api).listVolumeAttachment()).items.some(
          (a) =>
            a.spec.nodeName === 'kwok-local-1a-1' &&
            a.spec.source.persistentVolumeName === 'intruder-held' &&
            a.status?.attached,
        ) || undefined,
    );
    await scale(1);
    const blocked = await eventually('app status naming the Multi-Attach', async () => {
      const st = await json<AppStatus>('app', 'status');
      return st.problems.some((p) => /Multi-Attach/.test(p)) ? st : undefined;
    });
    assert.equal(blocked.ready, false);
    assert.match(
      blocked.problems.join('\n'),
      /the disk of PersistentVolume \S+ is still attached to another node, used by 1 pod\(s\) in different namespaces \(Multi-Attach\): a ReadWriteOnce disk is on one node at a time/,
    );
    // The table output says it too.
    const table = await kompoxops(stack, project.dir, 'app', 'status');
    assert.match(table.stdout, /^problem: {5}the disk of PersistentVolume .*Multi-Attach/m);
    // Once the other pod is gone, the app gets its disk back.
    await core.deleteNamespacedPod({ namespace: 'intruder', name: 'intruder', gracePeriodSeconds: 0 });
    const back = await readyStatus();
    assert.deepEqual(back.problems, []);
  });
});
