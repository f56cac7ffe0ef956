// Pods really get scheduled by zone, static PVs really bind, and Deployments roll out and scale.
import { CoreV1Api, V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { applyObject } from '../../../kube/apply';
import { listAppPods } from '../../../kube/app-pods';
import { DEFAULT_LAYOUT } from '../../../dev/cluster';
import { readNodeHealth } from '../../../kube/node-conditions';
import { pollUntil } from '../../../kube/poll';
import { waitForRollout } from '../../../kube/rollout';
import { scaleDeployment } from '../../../kube/scale';
import { testCluster, TestCluster } from '../../helpers/kube-cluster';
import { appDeployment, quietZone, tempNamespace } from './fixtures';

let c: TestCluster;
let zones: string[];
before(async () => {
  c = await testCluster();
  zones = c.info?.zones ?? DEFAULT_LAYOUT.zones;
});

async function zoneOfPodNode(namespace: string, app: string): Promise<string | undefined> {
  const [pod] = await listAppPods(c.kc, namespace, { app });
  assert.ok(pod, 'no pod');
  assert.equal(pod.status?.phase, 'Running');
  assert.ok(pod.spec?.nodeName, 'pod not scheduled');
  return (await readNodeHealth(c.kc, pod.spec.nodeName)).labels['topology.kubernetes.io/zone'];
}

void test('a Deployment with required zone affinity gets a Running pod on a node of that zone', async (t) => {
  const ns = await tempNamespace(c.kc, 'zone');
  t.after(ns.remove);
  const zone = quietZone(zones);
  await applyObject(c.kc, appDeployment({ namespace: ns.name, name: 'web', zones: [zone] }));
  const progress: string[] = [];
  await waitForRollout(c.kc, {
    namespace: ns.name,
    name: 'web',
    timeoutMs: 60_000,
    onProgress: (p) => progress.push(p.message),
  });
  assert.equal(progress.at(-1), 'successfully rolled out');
  assert.equal(await zoneOfPodNode(ns.name, 'web'), zone);
});

void test('a static CSI PV with zone node affinity binds to its PVC and pulls the pod into that zone', async (t) => {
  const ns = await tempNamespace(c.kc, 'pv');
  const core = c.kc.makeApiClient(CoreV1Api);
  const pvName = `${ns.name}-data`;
  t.after(async () => {
    await ns.remove();
    await core.deletePersistentVolume({ name: pvName }).catch(() => undefined);
  });
  const zone = quietZone(zones);
  // The shape Kompox renders: a pre-bound PV on a cloud disk handle, reclaim Retain, zone affinity.
  const pv: V1PersistentVolume = {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: pvName },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: '',
      csi: { driver: 'disk.csi.kompox.dev', volumeHandle: `disk-${ns.name}`, fsType: 'ext4' },
      claimRef: { namespace: ns.name, name: 'data' },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: [zone] }] },
          ],
        },
      },
    },
  };
  const pvc: V1PersistentVolumeClaim = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: ns.name },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: '',
      volumeName: pvName,
      resources: { requests: { storage: '1Gi' } },
    },
  };
  await applyObject(c.kc, pv);
  await applyObject(c.kc, pvc);
  await pollUntil(
    'PVC data to be Bound',
    async () => {
      const claim = await core.readNamespacedPersistentVolumeClaim({ name: 'data', namespace: ns.name });
      return claim.status?.phase === 'Bound' ? claim : undefined;
    },
    { timeoutMs: 30_000 },
  );
  // No node affinity on the Deployment: only the volume's topology steers the scheduler.
  await applyObject(c.kc, appDeployment({ namespace: ns.name, name: 'db', claim: 'data' }));
  await waitForRollout(c.kc, { namespace: ns.name, name: 'db', timeoutMs: 60_000 });
  assert.equal(await zoneOfPodNode(ns.name, 'db'), zone);
});

void test('scaling a Deployment to 0 and back removes and recreates its pod', async (t) => {
  const ns = await tempNamespace(c.kc, 'scale');
  t.after(ns.remove);
  await applyObject(c.kc, appDeployment({ namespace: ns.name, name: 'app', zones: [quietZone(zones)] }));
  await waitForRollout(c.kc, { namespace: ns.name, name: 'app', timeoutMs: 60_000 });
  await scaleDeployment(c.kc, ns.name, 'app', 0);
  await waitForRollout(c.kc, { namespace: ns.name, name: 'app', timeoutMs: 60_000 });
  await pollUntil(
    'pods to be gone',
    async () => ((await listAppPods(c.kc, ns.name, { app: 'app' })).length === 0 ? true : undefined),
    {
      timeoutMs: 30_000,
    },
  );
  await scaleDeployment(c.kc, ns.name, 'app', 1);
  const d = await waitForRollout(c.kc, { namespace: ns.name, name: 'app', timeoutMs: 60_000 });
  assert.equal(d.status?.availableReplicas, 1);
  await assert.rejects(
    scaleDeployment(c.kc, ns.name, 'missing', 1),
    /scale deployment .*\/missing to 1: .*not found \(HTTP 404 NotFound\)/,
  );
});
