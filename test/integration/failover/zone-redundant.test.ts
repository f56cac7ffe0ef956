// Zone-redundant disks end to end, on the local provider's `zoneRedundant` disks (its stand-in
// for Azure ZRS and GCP regional disks) and the dev cluster's kwok nodes: the app deploys with
// its PVs allowed in every zone of the region and its App zone only preferred; when its whole
// zone goes down, the alert's failover (`crossZone: zoneRedundant`) reattaches the same disks in
// another zone, and `app migrate --zone` brings it back the same way. RPO 0 both times: no
// snapshot, no new disk, the data where it was.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AppStatus } from '../../../cli/commands/app';
import type { MigrationPlan } from '../../../api/migration';
import type { OperationRecord } from '../../../api/operation';
import { kompoxopsJson, zoneRedundantWikiProject } from '../../helpers/deploy-project';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import { awaitNodesBack, zoneOutageReattach } from '../../helpers/failover-app';
import { appObjects, kubeConfigOf } from '../../helpers/kube-app';

void describe('zone-redundant disks: a zone outage and a zone move reattach the same disks', () => {
  let stack: TestStack;
  const project = zoneRedundantWikiProject(`zrs${process.pid}`, '{ zoneRedundant: "true" }');
  const zoneNodes = ['kwok-local-1a-1', 'kwok-local-1a-2'];

  before(async () => {
    stack = await startTestStack({ cluster: true });
  });
  after(async () => {
    await stack?.stop();
    rmSync(project.dir, { recursive: true, force: true });
  });

  void it('deploys unpinned in its App zone, and fails over across zones on the same disks', async () => {
    const deployed = await kompoxopsJson<OperationRecord>(
      stack,
      project.dir,
      'app',
      'deploy',
      '--bootstrap-disks',
    );
    assert.equal(deployed.phase, 'Completed', JSON.stringify(deployed.failure));
    const status = await kompoxopsJson<AppStatus>(stack, project.dir, 'app', 'status');
    assert.equal(status.zone, 'local-1a', 'the App zone is preferred');
    for (const v of status.volumes) assert.equal(v.disk?.zone, '', `${v.name}: ${JSON.stringify(v.disk)}`);

    const kc = kubeConfigOf(stack.kubeconfig);
    const objects = await appObjects(kc, status.namespace!, project.appName);
    assert.equal(objects.pvs.length, 2);
    for (const pv of objects.pvs) {
      const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
      assert.deepEqual(
        terms.flatMap((t) => t.matchExpressions ?? []).flatMap((e) => e.values ?? []),
        ['local-1a', 'local-1b', 'local-1c'],
        `${pv.metadata?.name} may attach in every zone of the region`,
      );
    }
    // The App zone is only preferred, by the zone label every node carries.
    const affinity = objects.deployments[0]?.spec?.template.spec?.affinity?.nodeAffinity;
    const preferred = affinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.preference;
    assert.deepEqual(JSON.parse(JSON.stringify(preferred?.matchExpressions)), [
      { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['local-1a'] },
    ]);
    // Data on the disks, to find again after the move.
    const marker = `written before the outage ${Date.now()}`;
    for (const v of status.volumes) writeFileSync(join(v.disk!.handle, 'zrs-marker'), marker);

    await zoneOutageReattach(stack, project.dir, status, zoneNodes, async (moved) => {
      assert.notEqual(moved.view.placement?.nodeZone, 'local-1a', JSON.stringify(moved.view.placement));

      // The same disks, still assigned, with their data; nothing restored, nothing snapshotted.
      const after = await kompoxopsJson<AppStatus>(stack, project.dir, 'app', 'status');
      assert.equal(after.ready, true);
      assert.notEqual(after.zone, 'local-1a');
      for (const v of after.volumes) {
        const was = status.volumes.find((x) => x.name === v.name)!;
        assert.equal(v.disk?.name, was.disk?.name, `${v.name} kept its disk`);
        assert.equal(readFileSync(join(v.disk!.handle, 'zrs-marker'), 'utf8'), marker);
        assert.equal(v.newestSnapshot, null);
      }
      const disks = Object.values(moved.view.disks).flat();
      assert.equal(disks.length, 2, JSON.stringify(moved.view.disks));
    });
  });

  void it('moves back to its zone by reattaching the same disks: no snapshot, no new disk', async () => {
    await awaitNodesBack(stack, zoneNodes);
    const before = await kompoxopsJson<AppStatus>(stack, project.dir, 'app', 'status');
    assert.notEqual(before.zone, 'local-1a');

    const toZoneA = <T>(...extra: string[]) =>
      kompoxopsJson<T>(stack, project.dir, 'app', 'migrate', '--zone', 'local-1a', ...extra);
    const plan = await toZoneA<MigrationPlan>('--dry-run');
    assert.deepEqual(plan.reattach?.map((v) => v.volume).sort(), ['db', 'default']);
    assert.deepEqual(plan.volumes, []);
    assert.equal(plan.expectedRpoSeconds, 0);
    assert.equal(plan.from.zone, before.zone);

    const op = await toZoneA<OperationRecord>();
    assert.equal(op.phase, 'Completed', JSON.stringify(op.failure));
    assert.equal(op.figures?.disksCreated, 0);
    assert.equal(op.figures?.rpoSeconds, 0);
    assert.ok(
      !op.steps.some((s) => /snapshot|create a/.test(s.name)),
      JSON.stringify(op.steps.map((s) => s.name)),
    );

    const after = await kompoxopsJson<AppStatus>(stack, project.dir, 'app', 'status');
    assert.equal(after.ready, true);
    assert.equal(after.zone, 'local-1a');
    assert.deepEqual(after.kept, []);
    for (const v of after.volumes) {
      const was = before.volumes.find((x) => x.name === v.name)!;
      assert.equal(v.disk?.name, was.disk?.name, `${v.name} kept its disk`);
      assert.match(readFileSync(join(v.disk!.handle, 'zrs-marker'), 'utf8'), /^written before the outage/);
      assert.equal(v.newestSnapshot, null);
    }
  });
});
