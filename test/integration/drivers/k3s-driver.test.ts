// The `k3s` provider driver on the dev cluster's real CSI stack (Kompox's dev CSI plugin behind
// Kubernetes' external-provisioner, csi-snapshotter and snapshot-controller): zones from the
// nodes, a zonal disk as a Bound PVC whose PV is kept with reclaim Retain, idempotent creates, a
// snapshot whose content is Retain, a restore whose bytes are read back by checksum from the
// plugin's state, newest-first listings, deletes that really remove the volumes, and bad
// settings refused before anything is created.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, CustomObjectsApi, KubeConfig, StorageV1Api } from '@kubernetes/client-node';
import { ClusterInfo, startCluster, stopCluster } from '../../../dev/cluster';
import { CSI_DRIVER_NAME } from '../../../dev/cluster/csi/csi-plugin';
import { csiStateDir } from '../../../dev/cluster/csi/csi-stack';
import type { DriverContext, OperationHandle, OperationKind, ProviderDriver } from '../../../drivers/driver';
import type { OperationResults } from '../../../drivers/driver';
import { createDriver } from '../../../drivers/registry';
import { TAG } from '../../../drivers/tags';
import { applyObject } from '../../../kube/apply';
import { loadKubeConfig } from '../../../kube/kubeconfig';
import { pollUntil } from '../../../kube/poll';

const NS = 'kompox-disks';
const GiB = 1024 ** 3;
const vol = { app: 'shop', volume: 'db' };
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const SNAP = { group: 'snapshot.storage.k8s.io', version: 'v1' } as const;

void describe('the k3s driver on the dev CSI stack', () => {
  let dir: string;
  let info: ClusterInfo;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let driver: ProviderDriver;
  const ctx = (settings: Record<string, string> = {}): DriverContext => ({
    workspace: 'ws',
    provider: 'k3s-dev',
    cluster: 'dev',
    providerSettings: settings,
    clusterSettings: {},
    stateDir: dir,
    kubeConfig: async () => kc,
  });
  const dataDir = (handle: string): string => join(csiStateDir(dir), 'volumes', handle, 'data');

  async function wait<K extends OperationKind>(op: OperationHandle<K>): Promise<OperationResults[K]> {
    const started = Date.now();
    const out = await pollUntil(
      `${op.kind} ${op.id}`,
      async () => {
        const r = await driver.poll(op);
        return r.done ? { result: r.result } : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 300 },
    );
    console.log(`# ${op.kind} ${op.id}: ${Date.now() - started} ms`);
    return out.result;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kompox-k3s-'));
    const t0 = Date.now();
    info = await startCluster({ dir, build: true });
    console.log(`# cluster up in ${Date.now() - t0} ms`);
    kc = loadKubeConfig({ path: info.kubeconfigPath });
    core = kc.makeApiClient(CoreV1Api);
    custom = kc.makeApiClient(CustomObjectsApi);
    driver = await createDriver('k3s', ctx());
  });
  after(async () => {
    if (dir) {
      await stopCluster(dir).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('lists the zones and region from the nodes', async () => {
    const regions = await driver.listRegions();
    assert.deepEqual(
      regions.map((r) => ({ name: r.name, zones: r.zones.map((z) => z.kom) })),
      [{ name: info.region, zones: [...info.zones].sort() }],
    );
    assert.deepEqual(await driver.resolveZone('local-1b'), {
      kom: 'local-1b',
      provider: 'local-1b',
      topology: 'local-1b',
      region: info.region,
    });
    await assert.rejects(driver.resolveZone('mars-1a'), { code: 'InvalidArgument' });
  });

  const original = randomBytes(256 * 1024);
  let d1Handle = '';

  void it('creates a disk in local-1b as a Bound PVC whose PV is Retain, labelled, idempotently', async () => {
    const req = { ...vol, name: 'd1', zone: 'local-1b', sizeBytes: GiB, idempotencyKey: 'op-1/create-disk' };
    const op = await driver.beginCreateDisk(req);
    assert.equal((await driver.beginCreateDisk(req)).id, op.id, 'same key, same operation');
    const disk = await wait(op);
    assert.equal(disk.state, 'ready');
    assert.equal(disk.zone, 'local-1b');
    assert.equal(disk.region, info.region);
    assert.equal(disk.assigned, false);
    assert.ok(disk.size >= GiB);
    assert.ok(disk.handle !== '');
    d1Handle = disk.handle;

    const pvcs = (await core.listNamespacedPersistentVolumeClaim({ namespace: NS })).items;
    assert.equal(pvcs.length, 1);
    const pvc = pvcs[0]!;
    assert.equal(pvc.status?.phase, 'Bound');
    assert.equal(pvc.metadata?.labels?.[TAG.app], 'shop');
    assert.equal(pvc.metadata?.labels?.[TAG.volume], 'db');
    assert.equal(pvc.metadata?.labels?.[TAG.diskName], 'd1');
    assert.equal(pvc.metadata?.labels?.[TAG.assigned], 'false');
    // Provisioned where the driver pointed the provisioner: a Ready node in local-1b.
    const selected = pvc.metadata?.annotations?.['volume.kubernetes.io/selected-node'] ?? '';
    const node = await core.readNode({ name: selected });
    assert.equal(node.metadata?.labels?.['topology.kubernetes.io/zone'], 'local-1b');
    const pv = await core.readPersistentVolume({ name: pvc.spec!.volumeName! });
    assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Retain');
    assert.equal(pv.spec?.csi?.driver, CSI_DRIVER_NAME);
    assert.equal(pv.spec?.csi?.volumeHandle, disk.handle);
    const expr = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms[0]?.matchExpressions?.find(
      (e) => e.key === 'topology.kubernetes.io/zone',
    );
    assert.deepEqual(expr?.values, ['local-1b']);
    assert.ok(existsSync(dataDir(disk.handle)), 'the plugin holds the volume');

    // The same key again, after it finished: the same disk, still one claim.
    const again = await wait(await driver.beginCreateDisk(req));
    assert.equal(again.handle, disk.handle);
    assert.equal((await core.listNamespacedPersistentVolumeClaim({ namespace: NS })).items.length, 1);
    // The same key for a different request is a caller bug.
    await assert.rejects(driver.beginCreateDisk({ ...req, sizeBytes: 2 * GiB }), { code: 'Conflict' });
    // Another key, same disk name.
    await assert.rejects(driver.beginCreateDisk({ ...req, idempotencyKey: 'op-2/create-disk' }), {
      code: 'AlreadyExists',
    });

    const src = driver.pvSource(disk);
    assert.deepEqual(src, {
      volumeHandle: disk.handle,
      capacityBytes: disk.size,
      accessModes: ['ReadWriteOnce'],
      volumeMode: 'Filesystem',
      csi: { driver: CSI_DRIVER_NAME, volumeAttributes: pv.spec?.csi?.volumeAttributes ?? {} },
      topology: { key: 'topology.kubernetes.io/zone', values: ['local-1b'] },
    });
    assert.equal(src.storageClassName, undefined);
    assert.deepEqual(await driver.listAttachments({ ...vol, name: 'd1' }), []);
  });

  void it('snapshots the disk (ReadyToUse, content Retain) and restores its bytes into a new disk', async () => {
    writeFileSync(join(dataDir(d1Handle), 'blob.bin'), original);
    const req = { ...vol, name: 's1', disk: 'd1', idempotencyKey: 'op-3/snapshot' };
    const op = await driver.beginCreateSnapshot(req);
    assert.equal((await driver.beginCreateSnapshot(req)).id, op.id);
    const snap = await wait(op);
    assert.equal(snap.ready, true);
    assert.equal(snap.state, 'ready');
    assert.equal(snap.sourceDisk.name, 'd1');
    assert.equal(snap.sourceDisk.handle, d1Handle);
    assert.ok(snap.handle !== '');

    const vss = (await custom.listNamespacedCustomObject({
      ...SNAP,
      namespace: NS,
      plural: 'volumesnapshots',
    })) as { items: { status?: { readyToUse?: boolean; boundVolumeSnapshotContentName?: string } }[] };
    assert.equal(vss.items.length, 1);
    assert.equal(vss.items[0]!.status?.readyToUse, true);
    const content = (await custom.getClusterCustomObject({
      ...SNAP,
      plural: 'volumesnapshotcontents',
      name: vss.items[0]!.status!.boundVolumeSnapshotContentName!,
    })) as { spec: { deletionPolicy: string } };
    assert.equal(content.spec.deletionPolicy, 'Retain');

    // The disk moves on; the snapshot keeps the old bytes.
    writeFileSync(join(dataDir(d1Handle), 'blob.bin'), randomBytes(1024));
    const disk = await wait(
      await driver.beginCreateDisk({
        ...vol,
        name: 'd2',
        zone: 'local-1c',
        sizeBytes: GiB,
        source: { kind: 'snapshot', name: 's1' },
        idempotencyKey: 'op-4/restore',
      }),
    );
    assert.equal(disk.state, 'ready');
    assert.equal(disk.zone, 'local-1c');
    assert.deepEqual(disk.source, { kind: 'snapshot', name: 's1', handle: disk.source?.handle });
    assert.notEqual(disk.handle, d1Handle);
    assert.equal(sha(readFileSync(join(dataDir(disk.handle), 'blob.bin'))), sha(original));
    assert.notEqual(sha(readFileSync(join(dataDir(d1Handle), 'blob.bin'))), sha(original));
  });

  void it('sees the VolumeAttachment of an app-style static PV with the disk handle, and refuses to delete it', async () => {
    const disk = await driver.getDisk({ ...vol, name: 'd1' });
    const src = driver.pvSource(disk);
    // What kube/convert builds for an app: a static PV (no class) reserved for its claim.
    await applyObject(kc, {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'app-shop-db' },
      spec: {
        capacity: { storage: String(src.capacityBytes) },
        accessModes: [...src.accessModes],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: '',
        volumeMode: src.volumeMode,
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'default', name: 'shop-db' },
        csi: { driver: src.csi!.driver, volumeHandle: src.volumeHandle },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [
              {
                matchExpressions: [{ key: src.topology!.key, operator: 'In', values: src.topology!.values }],
              },
            ],
          },
        },
      },
    });
    await applyObject(kc, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'shop-db', namespace: 'default' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: '',
        volumeName: 'app-shop-db',
        resources: { requests: { storage: String(src.capacityBytes) } },
      },
    });
    await applyObject(kc, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'shop', namespace: 'default' },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          { name: 'main', image: 'busybox:1.36', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
        ],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'shop-db' } }],
      },
    });
    const attached = await pollUntil(
      'the disk attached through the app PV',
      async () => {
        const list = await driver.listAttachments({ ...vol, name: 'd1' });
        return list.length === 1 && list[0]!.state === 'attached' ? list : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 300 },
    );
    const pod = await core.readNamespacedPod({ namespace: 'default', name: 'shop' });
    assert.deepEqual(attached, [
      { instanceId: pod.spec!.nodeName!, nodeName: pod.spec!.nodeName!, state: 'attached' },
    ]);
    await assert.rejects(driver.beginDeleteDisk({ ...vol, name: 'd1' }), {
      code: 'InUse',
      details: { reason: 'attached' },
    });

    await core.deleteNamespacedPod({ namespace: 'default', name: 'shop', gracePeriodSeconds: 0 });
    await core.deleteNamespacedPersistentVolumeClaim({ namespace: 'default', name: 'shop-db' });
    await pollUntil(
      'the disk detached',
      async () => ((await driver.listAttachments({ ...vol, name: 'd1' })).length === 0 ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 300 },
    );
    await core.deletePersistentVolume({ name: 'app-shop-db' });
  });

  void it('lists disks and snapshots newest first', async () => {
    const s2 = await wait(
      await driver.beginCreateSnapshot({ ...vol, name: 's2', disk: 'd1', idempotencyKey: 'op-5/snapshot' }),
    );
    assert.equal(s2.ready, true);
    assert.deepEqual(
      (await driver.listSnapshots(vol)).map((s) => s.name),
      ['s2', 's1'],
    );
    assert.deepEqual(
      (await driver.listDisks(vol)).map((d) => d.name),
      ['d2', 'd1'],
    );
    assert.deepEqual(await driver.listDisks({ app: 'other' }), []);
  });

  void it('refuses to delete the assigned disk; deletes snapshots and disks for real', async () => {
    const d2 = await driver.setDiskAssigned({ ...vol, name: 'd2' }, true);
    assert.equal(d2.assigned, true);
    const d2Pvc = (await core.listNamespacedPersistentVolumeClaim({ namespace: NS })).items.find(
      (c) => c.metadata?.labels?.[TAG.diskName] === 'd2',
    );
    assert.equal(d2Pvc?.metadata?.labels?.[TAG.assigned], 'true');
    const d2Pv = await core.readPersistentVolume({ name: d2Pvc!.spec!.volumeName! });
    assert.equal(d2Pv.metadata?.labels?.[TAG.assigned], 'true');
    await assert.rejects(driver.beginDeleteDisk({ ...vol, name: 'd2' }), {
      code: 'InUse',
      details: { reason: 'assigned' },
    });
    await driver.setDiskAssigned({ ...vol, name: 'd2' }, false);

    const contents = async (): Promise<number> =>
      (
        (await custom.listClusterCustomObject({ ...SNAP, plural: 'volumesnapshotcontents' })) as {
          items: unknown[];
        }
      ).items.length;
    assert.equal(await contents(), 2);
    for (const name of ['s1', 's2'])
      assert.equal(await wait(await driver.beginDeleteSnapshot({ ...vol, name })), null);
    assert.deepEqual(await driver.listSnapshots(vol), []);
    assert.equal(await contents(), 0, 'contents are deleted with their snapshots');

    const handles = (await driver.listDisks(vol)).map((d) => d.handle);
    for (const name of ['d1', 'd2'])
      assert.equal(await wait(await driver.beginDeleteDisk({ ...vol, name })), null);
    assert.deepEqual(await driver.listDisks(vol), []);
    assert.equal((await core.listPersistentVolume()).items.length, 0, 'PVs are deleted');
    for (const h of handles) assert.equal(existsSync(dataDir(h)), false, `volume ${h} removed by the plugin`);
    // Deleting what is gone is done at once.
    assert.equal(await wait(await driver.beginDeleteDisk({ ...vol, name: 'd1' })), null);
    assert.equal(await wait(await driver.beginDeleteSnapshot({ ...vol, name: 's1' })), null);
  });

  void it('refuses bad classes, naming the setting and what to install, before creating anything', async () => {
    const storage = kc.makeApiClient(StorageV1Api);
    await storage.createStorageClass({
      body: {
        metadata: { name: 'no-snapshots' },
        provisioner: 'example.com/plain',
        volumeBindingMode: 'Immediate',
      },
    });
    const cases: [Record<string, string>, RegExp][] = [
      [{ K3S_STORAGE_CLASS: 'longhorn' }, /K3S_STORAGE_CLASS "longhorn".*no StorageClass.*install/],
      [{ K3S_SNAPSHOT_CLASS: 'longhorn-snap' }, /K3S_SNAPSHOT_CLASS "longhorn-snap".*no VolumeSnapshotClass/],
      [
        { K3S_STORAGE_CLASS: 'no-snapshots' },
        /example\.com\/plain, which has no VolumeSnapshotClass.*install/,
      ],
    ];
    for (const [settings, message] of cases) {
      const bad = await createDriver('k3s', ctx({ ...settings, K3S_DISK_NAMESPACE: 'kompox-bad' }));
      await assert.rejects(
        bad.beginCreateDisk({ ...vol, name: 'x', sizeBytes: GiB, idempotencyKey: 'bad/create' }),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'InvalidArgument');
          assert.match(err.message, message);
          return true;
        },
      );
      await assert.rejects(
        bad.beginCreateSnapshot({ ...vol, name: 'x', disk: 'd1', idempotencyKey: 'bad/snap' }),
        { code: 'InvalidArgument' },
      );
    }
    await assert.rejects(core.readNamespace({ name: 'kompox-bad' }), /404|not found/i);
    assert.equal((await core.listNamespacedPersistentVolumeClaim({ namespace: NS })).items.length, 0);
  });
});
