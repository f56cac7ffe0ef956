// Zone-redundant disks end to end on a cloud provider: the dev cluster's kwok nodes sit in the
// cloud's zones with providerIDs of its form, the worker's driver talks to the cloud's HTTP fake
// through the official SDK, and the fake has a running VM behind every node. The wiki app deploys
// on zone-redundant disks with its PVs allowed in every zone of the disks and its App zone only
// preferred; its zone's nodes go down, the alert's failover fences the node's VM through the
// driver and reattaches the same disks in another zone; `app migrate --zone` brings it back the
// same way. RPO 0 both times, and the fake's request log shows no disk or snapshot created after
// the deploy. Call it inside a `describe`: it registers the hooks that start and stop everything.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, it } from 'node:test';
import type { V1PersistentVolume } from '@kubernetes/client-node';
import type { AppStatus } from '../../cli/commands/app';
import type { MigrationPlan } from '../../api/migration';
import type { OperationRecord } from '../../api/operation';
import { DEFAULT_LAYOUT, nodeName } from '../../dev/cluster/nodes';
import type { CloudModel, LoggedRequest, ModelMachine } from '../fakes/cloud-model';
import { kompoxopsJson, useCloudProvider, zoneRedundantWikiProject } from './deploy-project';
import { type TestStack, startTestStack } from './dev-stack';
import { awaitNodesBack, zoneOutageReattach } from './failover-app';
import { appObjects, kubeConfigOf } from './kube-app';

/** A cloud's fake, started with a running VM behind each kwok node. */
export interface RunningCloudFake {
  model: CloudModel;
  /** The Provider settings of a driver that uses the fake. */
  settings: Record<string, string>;
  stop(): Promise<void>;
}

export interface ZoneRedundantCloud {
  driver: string;
  region: string;
  /** The kwok nodes' zones (topology labels); the app starts in the first. */
  zones: string[];
  /** The first zone as KOM names it, for the app's `deployment.zone` and `app migrate --zone`. */
  appZone: string;
  /** The volumes' disk options (a YAML flow map) that make them zone-redundant. */
  volumeOptions: string;
  /** The PVs' CSI driver and attributes. */
  csi: { driver: string; volumeAttributes?: Record<string, string> };
  /** The zones a PV may attach in: every one of the disk's (key, values), or none pinned at all. */
  pvZones: { key: string; values: string[] } | 'unpinned';
  /** More labels the nodes carry their zone in, as the cloud's CSI node plugin adds them. */
  nodeZoneLabels?: string[];
  /** The kwok nodes' providerID template (`{node}`, `{zone}`), naming the fake's VMs. */
  nodeProviderId: string;
  /** Starts the fake with the nodes' VMs and points this process's credential chain (and the worker's) at it. */
  start(nodes: { name: string; zone: string }[]): Promise<RunningCloudFake>;
  /** A request that creates a disk or a snapshot. */
  creates(r: LoggedRequest): boolean;
  /** A request that stops the VM `machine`. */
  stops(r: LoggedRequest, machine: ModelMachine): boolean;
}

export function zoneRedundantSuite(cloud: ZoneRedundantCloud): void {
  let fake: RunningCloudFake;
  let stack: TestStack;
  const project = zoneRedundantWikiProject(`zrs${cloud.driver}${process.pid}`, cloud.volumeOptions);
  const nodes = cloud.zones.flatMap((zone) =>
    Array.from({ length: DEFAULT_LAYOUT.nodesPerZone }, (_, i) => ({ name: nodeName(zone, i + 1), zone })),
  );
  const zoneNodes = nodes.filter((n) => n.zone === cloud.zones[0]).map((n) => n.name);
  const machine = (node: string) => [...fake.model.machines.values()].find((m) => m.name === node)!;
  const json = <T>(...args: string[]) => kompoxopsJson<T>(stack, project.dir, ...args);
  /** The app's disks in the fake, by id, and where the request log stood after the deploy. */
  let disksAtDeploy: string[] = [];
  let requestsAtDeploy = 0;
  const appDisks = () =>
    [...fake.model.disks.values()].filter((d) => Object.values(d.tags).includes(project.appName));
  /** RPO 0 on the same disks: no disk or snapshot created in the cloud since the deploy. */
  const assertNothingCreated = () => {
    assert.deepEqual(
      fake.model.requests.slice(requestsAtDeploy).filter((r) => cloud.creates(r)),
      [],
    );
    assert.deepEqual(
      appDisks()
        .map((d) => d.id)
        .sort(),
      disksAtDeploy,
    );
    assert.equal(fake.model.snapshots.size, 0);
  };

  before(async () => {
    fake = await cloud.start(nodes);
    useCloudProvider(project, cloud.driver, fake.settings, cloud.appZone);
    stack = await startTestStack({
      zones: cloud.zones,
      region: cloud.region,
      nodeProviderId: cloud.nodeProviderId,
      ...(cloud.nodeZoneLabels ? { nodeZoneLabels: cloud.nodeZoneLabels } : {}),
    });
  });
  after(async () => {
    await stack?.stop();
    await fake?.stop();
    rmSync(project.dir, { recursive: true, force: true });
  });

  void it('deploys unpinned in its App zone, and fails over across zones on the same disks', async () => {
    const deployed = await json<OperationRecord>('app', 'deploy', '--bootstrap-disks');
    assert.equal(deployed.phase, 'Completed', JSON.stringify(deployed.failure));
    const status = await json<AppStatus>('app', 'status');
    assert.equal(status.zone, cloud.zones[0], 'the App zone is preferred');

    // Two zone-redundant disks in the fake, spanning the region's zones.
    const disks = appDisks();
    assert.equal(disks.length, 2, JSON.stringify(disks));
    for (const d of disks)
      assert.ok(d.zones.length >= 2, `${d.name} spans zones: ${JSON.stringify(d.zones)}`);
    assert.equal(fake.model.snapshots.size, 0);
    disksAtDeploy = disks.map((d) => d.id).sort();
    requestsAtDeploy = fake.model.requests.length;

    const objects = await appObjects(kubeConfigOf(stack.kubeconfig), status.namespace!, project.appName);
    assert.equal(objects.pvs.length, 2);
    for (const pv of objects.pvs) assertPvSource(cloud, pv);
    // The App zone is only preferred, by the zone label every node carries.
    const affinity = objects.deployments[0]?.spec?.template.spec?.affinity?.nodeAffinity;
    // The pod requires no more than its disks do: every zone of them.
    const required = (affinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [])
      .flatMap((t) => t.matchExpressions ?? [])
      .filter((e) => e.key.includes('zone'))
      .map((e) => ({ key: e.key, values: e.values }));
    assert.deepEqual(required, cloud.pvZones === 'unpinned' ? [] : [cloud.pvZones]);
    const preferred = affinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.preference;
    assert.deepEqual(JSON.parse(JSON.stringify(preferred?.matchExpressions)), [
      { key: 'topology.kubernetes.io/zone', operator: 'In', values: [cloud.zones[0]] },
    ]);

    await zoneOutageReattach(stack, project.dir, status, zoneNodes, async ({ incident }) => {
      const after = await json<AppStatus>('app', 'status');
      assert.equal(after.ready, true);
      assert.notEqual(after.zone, cloud.zones[0]);
      for (const v of after.volumes) {
        const was = status.volumes.find((x) => x.name === v.name)!;
        assert.equal(v.disk?.name, was.disk?.name, `${v.name} kept its disk`);
        assert.equal(v.disk?.handle, was.disk?.handle);
        assert.equal(v.newestSnapshot, null);
      }
      // The node's VM was fenced through the driver: the fake saw it stopped, and only it.
      assert.match(
        incident.fence ?? '',
        new RegExp(`${cloud.driver} driver stopped the VM of ${status.node}`),
      );
      const fenced = machine(status.node!);
      assert.equal(fenced.state, 'stopped');
      assert.ok(
        fake.model.requests.some((r) => cloud.stops(r, fenced)),
        'the stop went through the cloud API',
      );
      assert.deepEqual(
        nodes.filter((n) => machine(n.name).state !== 'running').map((n) => n.name),
        [status.node],
      );
      assertNothingCreated();
    });
  });

  void it('moves back to its zone by reattaching the same disks: no snapshot, no new disk', async () => {
    await awaitNodesBack(stack, zoneNodes);
    const before = await json<AppStatus>('app', 'status');
    assert.notEqual(before.zone, cloud.zones[0]);

    const toAppZone = <T>(...extra: string[]) => json<T>('app', 'migrate', '--zone', cloud.appZone, ...extra);
    const plan = await toAppZone<MigrationPlan>('--dry-run');
    assert.deepEqual(plan.reattach?.map((v) => v.volume).sort(), ['db', 'default']);
    assert.deepEqual(plan.volumes, []);
    assert.equal(plan.expectedRpoSeconds, 0);

    const op = await toAppZone<OperationRecord>();
    assert.equal(op.phase, 'Completed', JSON.stringify(op.failure));
    assert.equal(op.figures?.disksCreated, 0);
    assert.equal(op.figures?.rpoSeconds, 0);

    const after = await json<AppStatus>('app', 'status');
    assert.equal(after.ready, true);
    assert.equal(after.zone, cloud.zones[0]);
    for (const v of after.volumes) {
      const was = before.volumes.find((x) => x.name === v.name)!;
      assert.equal(v.disk?.handle, was.disk?.handle, `${v.name} kept its disk`);
    }
    assertNothingCreated();
  });
}

/** The PV carries the cloud's CSI source and may attach in every zone of its disk. */
function assertPvSource(cloud: ZoneRedundantCloud, pv: V1PersistentVolume): void {
  const name = pv.metadata?.name;
  assert.equal(pv.spec?.csi?.driver, cloud.csi.driver, name);
  assert.deepEqual(pv.spec?.csi?.volumeAttributes, cloud.csi.volumeAttributes, name);
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
  if (cloud.pvZones === 'unpinned') {
    assert.deepEqual(terms, [], `${name} pins no zone`);
    return;
  }
  const { key, values } = cloud.pvZones;
  const allowed = terms.flatMap((t) => t.matchExpressions ?? []).find((e) => e.key === key);
  assert.deepEqual(allowed?.values, values, `${name} may attach in every zone of its disk`);
}
