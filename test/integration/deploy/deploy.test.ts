// `kompoxops app deploy` on the real Temporal dev server, a real worker and the real local
// control plane: apps land in the zone of their disks on Bound static volumes, a redeploy
// with no change changes nothing, switching a disk recreates the pod on the new disk and
// prunes the old PV/PVC pair, and destroy removes the objects but never the disks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Container, V1Pod, V1VolumeMount } from '@kubernetes/client-node';
import { CoreV1Api } from '@kubernetes/client-node';
import type { AppStatus } from '../../../cli/commands/app';
import type { DiskView } from '../../../api/messages';
import type { OperationRecord } from '../../../api/operation';
import {
  type TestProject,
  kompoxops,
  kompoxopsJson,
  shopProject,
  wikiProject,
} from '../../helpers/deploy-project';
import { deploySuite } from '../../helpers/deploy-suite';
import { type AppObjects, appObjects, recordPodEvents } from '../../helpers/kube-app';

interface Expected {
  zone: string;
  /** container → mountPath → [app volume, subPath or '' for the whole volume] */
  mounts: Record<string, Record<string, [string, string]>>;
  /** container → container ports */
  ports: Record<string, number[]>;
  /** container → the probe kinds a healthcheck must have produced */
  probes: Record<string, ('readinessProbe' | 'livenessProbe' | 'startupProbe')[]>;
  /** Text of a config file that must be in a ConfigMap. */
  configText: string;
}

const WIKI: Expected = {
  zone: 'local-1a',
  mounts: {
    wiki: { '/wiki/data': ['default', 'data'] },
    db: { '/var/lib/postgresql/data': ['db', 'postgres'] },
  },
  ports: { wiki: [3000], db: [5432] },
  probes: { wiki: ['readinessProbe'], db: ['readinessProbe'] },
  configText: 'bindIP: 0.0.0.0',
};

const SHOP: Expected = {
  zone: 'local-1b',
  mounts: {
    web: {
      '/srv/uploads': ['files', 'uploads'],
      '/var/cache/nginx': ['cache', ''],
      '/var/lib/shop': ['state', 'web'],
    },
    jobs: { '/var/lib/jobs': ['state', 'jobs'] },
  },
  ports: { web: [80, 443, 9113], jobs: [] },
  probes: { web: ['readinessProbe'], jobs: ['readinessProbe'] },
  configText: 'location /healthz',
};

const runningPods = (o: AppObjects): V1Pod[] =>
  o.pods.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);

void describe('app deploy', () => {
  const suite = deploySuite();
  const wiki = suite.track(wikiProject('docs'));
  const shop = suite.track(shopProject('shop'));

  const deploy = async (p: TestProject, ...flags: string[]): Promise<OperationRecord> => {
    const op = await kompoxopsJson<OperationRecord>(suite.stack, p.dir, 'app', 'deploy', ...flags);
    assert.equal(op.phase, 'Completed', JSON.stringify(op.failure));
    return op;
  };
  const status = (p: TestProject) => kompoxopsJson<AppStatus>(suite.stack, p.dir, 'app', 'status');
  const disks = (p: TestProject) => kompoxopsJson<DiskView[]>(suite.stack, p.dir, 'disk', 'list');
  const nodeZone = async (node: string) =>
    (await suite.kc.makeApiClient(CoreV1Api).readNode({ name: node })).metadata?.labels?.[
      'topology.kubernetes.io/zone'
    ];

  /** The checks every deployed app must pass; returns what it read. */
  async function assertDeployed(p: TestProject, expected: Expected) {
    const s = await status(p);
    assert.equal(s.ready, true, `app status: ${JSON.stringify(s)}`);
    assert.ok(s.namespace && s.node && s.pod, `app status lacks namespace/node/pod: ${JSON.stringify(s)}`);
    assert.equal(s.zone, expected.zone);
    const objs = await appObjects(suite.kc, s.namespace, p.appName);

    // One Deployment, one replica, Recreate; one Running pod on a node in the disks' zone.
    assert.equal(objs.deployments.length, 1);
    const dep = objs.deployments[0]!;
    assert.equal(dep.spec?.replicas, 1);
    assert.equal(dep.spec?.strategy?.type, 'Recreate');
    const pods = runningPods(objs);
    assert.equal(pods.length, 1, `pods: ${objs.pods.map((x) => x.metadata?.name).join(', ')}`);
    const pod = pods[0]!;
    assert.equal(pod.metadata?.name, s.pod);
    assert.equal(pod.spec?.nodeName, s.node);
    assert.equal(await nodeZone(s.node), expected.zone);

    // Per volume: the status names the assigned disk; one Bound PVC on a PV whose path is that disk.
    const assigned = (await disks(p)).filter((d) => d.assigned);
    assert.deepEqual(s.volumes.map((v) => v.name).sort(), assigned.map((d) => d.volumeName).sort());
    assert.equal(objs.pvcs.length, s.volumes.length);
    assert.equal(objs.pvs.length, s.volumes.length);
    const claimOfVolume: Record<string, string> = {};
    for (const v of s.volumes) {
      const disk = assigned.find((d) => d.volumeName === v.name);
      assert.ok(disk && v.disk, `volume ${v.name} has no assigned disk`);
      assert.deepEqual(v.disk, { name: disk.name, handle: disk.handle, zone: disk.zone });
      assert.equal(disk.zone, expected.zone, `disk of ${v.name}`);
      const pvc = objs.pvcs.find((c) => c.metadata?.labels?.['kompox.dev/volume'] === v.name);
      assert.ok(pvc, `no PVC for volume ${v.name}`);
      assert.equal(pvc.status?.phase, 'Bound', `PVC ${pvc.metadata?.name}`);
      const pv = objs.pvs.find((x) => x.metadata?.name === pvc.spec?.volumeName);
      assert.ok(pv, `PVC ${pvc.metadata?.name} is bound to a PV that is not the app's`);
      assert.equal(pv.status?.phase, 'Bound');
      assert.equal(pv.spec?.hostPath?.path ?? pv.spec?.csi?.volumeHandle, disk.handle);
      assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Retain');
      assert.equal(pv.metadata?.annotations?.['kompox.dev/disk-name'], disk.name);
      claimOfVolume[v.name] = pvc.metadata?.name ?? '';
    }

    // Mounts (relative bind mounts, name/sub/path, whole volumes), ports, probes.
    const podVolumes = new Map(
      (pod.spec?.volumes ?? []).map((v) => [v.name, v.persistentVolumeClaim?.claimName ?? '']),
    );
    for (const [container, mounts] of Object.entries(expected.mounts)) {
      // A service others wait for (depends_on) runs as a native sidecar, among the init containers.
      const c: V1Container | undefined = [
        ...(pod.spec?.containers ?? []),
        ...(pod.spec?.initContainers ?? []),
      ].find((x) => x.name === container);
      assert.ok(c, `no container ${container}`);
      for (const [path, [volume, subPath]] of Object.entries(mounts)) {
        const m: V1VolumeMount | undefined = c.volumeMounts?.find((x) => x.mountPath === path);
        assert.ok(m, `${container} does not mount ${path}`);
        assert.equal(
          podVolumes.get(m.name),
          claimOfVolume[volume],
          `${container}:${path} is not on ${volume}`,
        );
        assert.equal(m.subPath ?? '', subPath, `${container}:${path} subPath`);
      }
      const ports: number[] = (c.ports ?? []).map((x) => x.containerPort).sort((a, b) => a - b);
      assert.deepEqual(ports, expected.ports[container]);
      for (const port of ports) {
        assert.ok(
          objs.services.some((svc) => svc.spec?.ports?.some((sp) => sp.targetPort === port)),
          `no Service targets ${container}:${port}`,
        );
      }
      for (const probe of expected.probes[container] ?? [])
        assert.ok(c[probe], `${container} has no ${probe}`);
    }
    assert.ok(
      objs.configMaps.some((cm) => Object.values(cm.data ?? {}).some((t) => t.includes(expected.configText))),
      'the config file is in no ConfigMap',
    );
    return { status: s, objs, dep };
  }

  for (const [project, expected] of [
    [wiki, WIKI],
    [shop, SHOP],
  ] as const) {
    void it(`${project.appName}: Running pod in the disks' zone on Bound PVs of the assigned disks`, async () => {
      const op = await deploy(project, '--bootstrap-disks');
      assert.equal(op.figures?.disksCreated, (await disks(project)).length);
      await assertDeployed(project, expected);
    });
  }

  void it('redeploy with no change: same render, nothing pruned, Deployment untouched', async () => {
    const before = await assertDeployed(wiki, WIKI);
    const firstHash = before.dep.metadata?.labels?.['kompox.dev/render-hash'];
    const op = await deploy(wiki);
    assert.equal(op.figures?.renderHash, firstHash);
    assert.equal(op.figures?.objectsPruned, 0);
    assert.equal(op.figures?.disksCreated, 0);
    const after = await assertDeployed(wiki, WIKI);
    assert.equal(after.dep.metadata?.generation, before.dep.metadata?.generation);
    assert.equal(after.dep.metadata?.resourceVersion, before.dep.metadata?.resourceVersion);
    assert.equal(after.objs.replicaSets.length, before.objs.replicaSets.length);
    assert.equal(after.status.pod, before.status.pod);
  });

  void it('switching the db disk recreates the pod on the new disk and prunes the old PV/PVC pair', async () => {
    const before = await assertDeployed(wiki, WIKI);
    const oldDisk = before.status.volumes.find((v) => v.name === 'db')!.disk!;
    const oldPvc = before.objs.pvcs.find((c) => c.metadata?.labels?.['kompox.dev/volume'] === 'db')!;
    const oldPv = oldPvc.spec!.volumeName!;

    const created = await kompoxops(suite.stack, wiki.dir, 'disk', 'create', '-V', 'db', '-o', 'json');
    assert.equal(created.status, 0, created.stderr);
    const fresh = (await disks(wiki)).find((d) => d.volumeName === 'db' && !d.assigned);
    assert.ok(fresh, 'disk create made no unassigned db disk');
    assert.equal(fresh.zone, oldDisk.zone);
    const assign = await kompoxops(
      suite.stack,
      wiki.dir,
      'disk',
      'assign',
      '-V',
      'db',
      '-N',
      fresh.name,
      '-o',
      'json',
    );
    assert.equal(assign.status, 0, assign.stderr);

    const watch = recordPodEvents(suite.kc, before.status.namespace);
    const op = await deploy(wiki);
    const events = await watch.stop();
    assert.notEqual(op.figures?.renderHash, before.dep.metadata?.labels?.['kompox.dev/render-hash']);

    const after = await assertDeployed(wiki, WIKI);
    assert.equal(after.status.volumes.find((v) => v.name === 'db')?.disk?.handle, fresh.handle);
    // A new ReplicaSet (one revision more); the old pod is gone, and it was gone before the new one came.
    assert.equal(after.objs.replicaSets.length, before.objs.replicaSets.length + 1);
    assert.equal(
      Number(after.dep.metadata?.annotations?.['deployment.kubernetes.io/revision']),
      Number(before.dep.metadata?.annotations?.['deployment.kubernetes.io/revision']) + 1,
    );
    assert.notEqual(after.status.pod, before.status.pod);
    assert.ok(
      !after.objs.pods.some((p) => p.metadata?.name === before.status.pod),
      'the old pod still exists',
    );
    const oldGone = events.find((e) => e.type === 'DELETED' && e.name === before.status.pod);
    const newAdded = events.find((e) => e.type === 'ADDED' && e.name === after.status.pod);
    assert.ok(oldGone && newAdded, `pod events: ${JSON.stringify(events)}`);
    assert.ok(oldGone.at <= newAdded.at, 'Recreate: the new pod appeared before the old one was gone');

    // The old pair is pruned (one PV/PVC per volume again); the old disk is kept.
    assert.ok(op.figures && Number(op.figures.objectsPruned) >= 2, `pruned: ${op.figures?.objectsPruned}`);
    assert.ok(!after.objs.pvcs.some((c) => c.metadata?.name === oldPvc.metadata?.name), 'old PVC kept');
    assert.ok(!after.objs.pvs.some((v) => v.metadata?.name === oldPv), 'old PV kept');
    const all = await disks(wiki);
    const old = all.find((d) => d.name === oldDisk.name);
    assert.ok(old, 'deploy deleted the old disk');
    assert.equal(old.assigned, false);
  });

  void it('destroy removes the Deployment, Services, PVCs and PVs and keeps the disks', async () => {
    const before = await assertDeployed(shop, SHOP);
    const disksBefore = await disks(shop);
    const op = await kompoxopsJson<OperationRecord>(suite.stack, shop.dir, 'app', 'destroy');
    assert.equal(op.phase, 'Completed', JSON.stringify(op.failure));
    const objs = await appObjects(suite.kc, before.status.namespace, shop.appName);
    assert.deepEqual(
      {
        deployments: objs.deployments.length,
        services: objs.services.length,
        ingresses: objs.ingresses.length,
        configMaps: objs.configMaps.length,
        secrets: objs.secrets.length,
        pvcs: objs.pvcs.length,
        pvs: objs.pvs.length,
      },
      { deployments: 0, services: 0, ingresses: 0, configMaps: 0, secrets: 0, pvcs: 0, pvs: 0 },
    );
    assert.deepEqual(
      (await disks(shop)).map((d) => [d.name, d.assigned]),
      disksBefore.map((d) => [d.name, d.assigned]),
    );
    const s = await status(shop);
    assert.equal(s.ready, false);
    // The other app is untouched.
    await assertDeployed(wiki, WIKI);
  });
});
