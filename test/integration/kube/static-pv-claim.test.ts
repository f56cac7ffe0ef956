// A rendered static PV is reserved for the app's own claim on the real PV controller: a claim in
// another namespace that names the PV never binds it, and re-applying the same render (as every
// redeploy does) leaves the PV Bound to the same claim uid instead of unbinding it.
import { CoreV1Api, type V1PersistentVolumeClaim } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, test } from 'node:test';
import { applyObjects } from '../../../kube/apply';
import { appNames } from '../../../kube/convert/names';
import {
  bindVolumes,
  buildPersistentVolume,
  buildPersistentVolumeClaim,
} from '../../../kube/convert/volumes';
import { pollUntil } from '../../../kube/poll';
import { testCluster, type TestCluster } from '../../helpers/kube-cluster';
import { localDisk, wikiContext } from '../../unit/kube/convert/fixture';
import { tempNamespace } from './fixtures';

let c: TestCluster;
before(async () => {
  c = await testCluster();
});

void test('a foreign claim cannot take the PV; re-applying keeps it Bound to the same claim uid', async (t) => {
  const core = c.kc.makeApiClient(CoreV1Api);
  const ns = await tempNamespace(c.kc, 'pvclaim');
  const foreignNs = await tempNamespace(c.kc, 'foreign');
  const context = wikiContext();
  // A namespace and app hash of its own, so reruns and parallel files never share a PV name.
  const names = { ...appNames(context), namespace: ns.name, appIdHash: randomBytes(3).toString('hex') };
  const volume = context.app.volumes.find((v) => v.name === 'db')!;
  const disk = localDisk('db', `disk-${ns.name}`, 'local-1c');
  const [binding] = bindVolumes({ ...context.app, volumes: [volume] }, names, { db: disk });
  assert.ok(binding);
  const pv = buildPersistentVolume(names, volume, disk, binding);
  const pvc = buildPersistentVolumeClaim(names, volume, disk, binding);
  const pvName = pv.metadata!.name!;
  t.after(async () => {
    await ns.remove();
    await foreignNs.remove();
    await core.deletePersistentVolume({ name: pvName }).catch(() => undefined);
  });

  // The PV exists before the app's claim does (PVs are applied first); a claim elsewhere asks for it by name.
  await applyObjects(c.kc, [pv]);
  const foreign: V1PersistentVolumeClaim = {
    ...pvc,
    metadata: { name: 'grab', namespace: foreignNs.name },
  };
  await core.createNamespacedPersistentVolumeClaim({ namespace: foreignNs.name, body: foreign });
  await sleep(3000);
  await applyObjects(c.kc, [pvc]);

  const readClaim = () =>
    core.readNamespacedPersistentVolumeClaim({ name: pvc.metadata!.name!, namespace: ns.name });
  const bound = await pollUntil(
    `claim ${ns.name}/${pvc.metadata!.name} to be Bound`,
    async () => {
      const claim = await readClaim();
      return claim.status?.phase === 'Bound' ? claim : undefined;
    },
    { timeoutMs: 30_000 },
  );
  const uid = bound.metadata!.uid!;
  const boundPv = await core.readPersistentVolume({ name: pvName });
  assert.equal(boundPv.status?.phase, 'Bound');
  assert.deepEqual(
    [boundPv.spec?.claimRef?.namespace, boundPv.spec?.claimRef?.name, boundPv.spec?.claimRef?.uid],
    [ns.name, pvc.metadata!.name, uid],
  );
  const grab = await core.readNamespacedPersistentVolumeClaim({ name: 'grab', namespace: foreignNs.name });
  assert.equal(grab.status?.phase, 'Pending', 'the foreign claim must not bind the app PV');

  // A redeploy with no change: the same objects applied again, twice, as field manager kompox.
  for (let i = 0; i < 2; i++) await applyObjects(c.kc, [pv, pvc]);
  // Give the PV controller time to react to whatever the apply changed (it syncs on every update).
  await sleep(5000);
  const after = await core.readPersistentVolume({ name: pvName });
  assert.equal(after.status?.phase, 'Bound');
  assert.equal(after.spec?.claimRef?.uid, uid, 're-apply changed the claim the PV is bound to');
  // Why: kompox owns claimRef's apiVersion, kind, namespace and name; the uid stays the controller's.
  const kompoxApply = after.metadata?.managedFields?.find(
    (m) => m.manager === 'kompox' && m.operation === 'Apply',
  );
  const spec = (kompoxApply?.fieldsV1 as { 'f:spec'?: { 'f:claimRef'?: object } } | undefined)?.['f:spec'];
  assert.deepEqual(Object.keys(spec?.['f:claimRef'] ?? {}).sort(), [
    'f:apiVersion',
    'f:kind',
    'f:name',
    'f:namespace',
  ]);
  const claimAfter = await readClaim();
  assert.equal(claimAfter.status?.phase, 'Bound');
  assert.equal(claimAfter.metadata?.uid, uid);
  assert.equal(claimAfter.spec?.volumeName, pvName);
});
