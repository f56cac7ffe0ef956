// Restore on the real control plane: files written into a deployed app's disk (a local disk is
// a directory) are snapshotted, overwritten, and `kompoxops snapshot restore` brings them back
// byte for byte on a new disk made from the snapshot in the volume's zone, assigned and
// redeployed; the old disk stays, unassigned, with the overwritten data; the pod runs on the
// new disk's PV.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AppStatus } from '../../../cli/commands/app';
import type { DiskView } from '../../../api/messages';
import type { OperationRecord } from '../../../api/operation';
import { kompoxopsJson, wikiProject } from '../../helpers/deploy-project';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import { appObjects, eventually, kubeConfigOf } from '../../helpers/kube-app';
import { sha256, treeChecksums, writeTree } from '../../helpers/snapshots';

void describe('snapshot restore', () => {
  let stack: TestStack;
  const project = wikiProject(`restore${process.pid}`);

  before(async () => {
    stack = await startTestStack({ cluster: true });
  });
  after(async () => {
    await stack?.stop();
    rmSync(project.dir, { recursive: true, force: true });
  });

  const json = <T>(...args: string[]) => kompoxopsJson<T>(stack, project.dir, ...args);
  const dbDisks = async () => (await json<DiskView[]>('disk', 'list')).filter((d) => d.volumeName === 'db');

  void it('reads back what was snapshotted, on a new disk in the same zone, and keeps the old disk', async () => {
    const kc = kubeConfigOf(stack.kubeconfig);
    const deployed = await json<OperationRecord>('app', 'deploy', '--bootstrap-disks');
    assert.equal(deployed.phase, 'Completed', JSON.stringify(deployed.failure));
    const [oldDisk, ...extra] = await dbDisks();
    assert.ok(oldDisk && extra.length === 0 && oldDisk.assigned, 'expected one assigned db disk');

    // Known content, including a binary file and a nested directory.
    const blob = randomBytes(300_000);
    writeTree(oldDisk.handle, {
      'postgres/PG_VERSION': '17\n',
      'postgres/base/1/16384': blob,
      'notes.txt': 'written before the snapshot\n',
    });
    const original = treeChecksums(oldDisk.handle);
    assert.equal(original['postgres/base/1/16384'], sha256(blob));
    assert.equal(original['notes.txt'], sha256('written before the snapshot\n'));

    const snap = await json<OperationRecord>('snapshot', 'create', '-V', 'db');
    assert.equal(snap.phase, 'Completed', JSON.stringify(snap.failure));
    const name = String(snap.figures?.['volume.db']);
    assert.match(name, /^o\d{8}-\d{6}-[a-z0-9]{4}$/);

    // Overwrite, delete and add after the snapshot.
    writeTree(oldDisk.handle, {
      'postgres/base/1/16384': randomBytes(1000),
      'after.txt': 'written after the snapshot\n',
    });
    unlinkSync(join(oldDisk.handle, 'notes.txt'));
    const overwritten = treeChecksums(oldDisk.handle);
    assert.notDeepEqual(overwritten, original);

    const restored = await json<OperationRecord>('snapshot', 'restore', '-V', 'db', '-N', name);
    assert.equal(restored.phase, 'Completed', JSON.stringify(restored.failure));
    assert.equal(restored.figures?.previousDisk, oldDisk.name);
    const newName = String(restored.figures?.restoredDisk);
    for (const step of ['create disk from snapshot', `assign ${newName}`])
      assert.ok(
        restored.steps.some((s) => s.name === step && s.phase === 'Completed'),
        `no step "${step}": ${restored.steps.map((s) => s.name).join(', ')}`,
      );

    const disks = await dbDisks();
    const fresh = disks.find((d) => d.name === newName);
    const old = disks.find((d) => d.name === oldDisk.name);
    assert.ok(fresh, `restored disk ${newName} not listed`);
    assert.ok(old, 'the old disk was deleted');
    assert.equal(fresh.assigned, true);
    assert.equal(old.assigned, false);
    assert.equal(fresh.zone, oldDisk.zone);
    assert.notEqual(fresh.handle, old.handle);
    assert.deepEqual(treeChecksums(fresh.handle), original, 'restored content differs from the snapshot');
    assert.deepEqual(treeChecksums(old.handle), overwritten, 'the old disk was changed');

    // The app runs on the restored disk: its db PVC is bound to a PV of the new disk.
    const status = await eventually('the app Ready after the restore', async () => {
      const s = await json<AppStatus>('app', 'status');
      return s.ready && s.pod ? s : undefined;
    });
    assert.deepEqual(status.volumes.find((v) => v.name === 'db')?.disk, {
      name: fresh.name,
      handle: fresh.handle,
      zone: fresh.zone,
    });
    assert.equal(status.zone, fresh.zone);
    const objs = await appObjects(kc, status.namespace, project.appName);
    const pod = objs.pods.find((p) => p.metadata?.name === status.pod);
    assert.equal(pod?.status?.phase, 'Running');
    const pvc = objs.pvcs.find((c) => c.metadata?.labels?.['kompox.dev/volume'] === 'db');
    assert.equal(pvc?.status?.phase, 'Bound');
    const pv = objs.pvs.find((v) => v.metadata?.name === pvc?.spec?.volumeName);
    assert.equal(pv?.spec?.hostPath?.path ?? pv?.spec?.csi?.volumeHandle, fresh.handle);
    assert.ok(
      pod?.spec?.volumes?.some((v) => v.persistentVolumeClaim?.claimName === pvc?.metadata?.name),
      'the pod does not mount the db PVC',
    );
    assert.equal(objs.pvcs.length, 2, 'one PVC per volume (the old db pair pruned)');
  });
});
