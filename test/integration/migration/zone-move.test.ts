// Zone moves on the real control plane with the local provider (a disk is a directory, so its
// content is checked by checksum): bad requests are refused before anything changes; a
// planned move stops, snapshots and lands the app in the new zone with the same bytes; a
// cancel before the cut-over puts it back on its old disks; a worker killed after the cut-over
// does not undo anything; an unplanned move brings the app back from the newest snapshots
// while the source zone's nodes are down; and the controller prunes kept disks on time.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { AppStatus } from '../../../cli/commands/app';
import { failNode, nodeName, recoverNode } from '../../../dev/cluster';
import type { DiskView } from '../../../api/messages';
import type { MigrationPlan } from '../../../api/migration';
import type { OperationRecord } from '../../../api/operation';
import { TAG } from '../../../drivers/tags';
import { wikiProject } from '../../helpers/deploy-project';
import { migrationSuite } from '../../helpers/migration-suite';
import { killWorker } from '../../helpers/worker-kill';
import { restartWorker } from '../../../dev/dev-stack';
import { cancelOperation } from '../../../client/submit-operation';
import { appControllerWorkflowId } from '../../../api/ids';
import type { Client } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../../helpers/kube-app';
import {
  driverOf,
  setProviderSettings,
  treeChecksums,
  waitForSteps,
  writeTree,
} from '../../helpers/snapshots';
import { localAppTarget } from '../../helpers/app-target';

/**
 * Waits (at most 30 s) until the app's controller has a workflow task waiting: with no worker
 * running, that is the cancel's Update arriving. Past the limit the test goes on: the move
 * still cannot end before its lost tag step times out (10 s) once a worker runs again.
 */
async function untilControllerHasWork(client: Client, appKey: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const d = await client.workflowService.describeWorkflowExecution({
      namespace: client.options.namespace,
      execution: { workflowId: appControllerWorkflowId(appKey) },
    });
    if (d.pendingWorkflowTask) return;
    await sleep(100);
  }
}

void describe('app migrate across zones', () => {
  const project = wikiProject(`mig${process.pid}`);
  // Disk creation and tagging take a moment, as in a cloud, so a cancel can land while disks
  // are made, and a worker can die while a move that has passed its cut-over tags what it keeps.
  setProviderSettings(project, { LOCAL_LATENCY_MS: 'createDisk=3000,updateTags=3000' });
  const suite = migrationSuite(project, { cluster: true });
  const { cli, json, assignedDisks } = suite;
  const content = async (): Promise<Record<string, Record<string, string>>> =>
    Object.fromEntries((await assignedDisks()).map((d) => [d.volumeName, treeChecksums(d.handle)]));
  const readyIn = (zone: string) =>
    eventually(`the app Ready in ${zone}`, async () => {
      const s = await json<AppStatus>('app', 'status');
      return s.ready && s.zone === zone ? s : undefined;
    });
  const stepNames = (r: OperationRecord) => r.steps.map((s) => s.name);

  void it('refuses bad destinations with exit 2 and changes nothing', async () => {
    const before = await json<DiskView[]>('disk', 'list');
    const cases: [string[], RegExp][] = [
      [['--zone', 'local-9z'], /--zone local-9z: .*local-9z/],
      [['--zone', 'local-1a'], /already runs in zone local-1a of cluster dev/],
      [
        ['--region', 'mars-1'],
        /--region mars-1 is not a region of the provider \(regions: local-1, local-2\)/,
      ],
      [['--zone', 'local-1b', '--from', 'latest-snapshot'], /volume \S+ has no ready snapshot/],
      [['--zone', 'local-1b', '--from', 'yesterday'], /--from yesterday: give live or latest-snapshot/],
      [['--zone', 'local-1b', '--keep-source', 'forever'], /--keep-source: invalid duration/],
      [[], /name where to move the app: --zone, --region or --cluster/],
      [['--cluster', 'nowhere'], /no Cluster "nowhere" in the KOM/],
    ];
    for (const [args, message] of cases) {
      const r = await cli('app', 'migrate', ...args);
      assert.equal(r.status, 2, `migrate ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
      assert.match(r.stderr, message, `migrate ${args.join(' ')}`);
    }
    assert.deepEqual(await json<DiskView[]>('disk', 'list'), before, 'a refused migration changed disks');
    assert.deepEqual(await json<unknown[]>('snapshot', 'list'), [], 'a refused migration took a snapshot');
    const ops = await json<OperationRecord[]>('op', 'list');
    assert.ok(!ops.some((o) => o.kind === 'app.migrate'), 'a refused migration reached the controller');
  });

  void it('prints the plan with --dry-run', async () => {
    const plan = await json<MigrationPlan>('app', 'migrate', '--zone', 'local-1b', '--dry-run');
    assert.deepEqual(plan.from, { cluster: 'dev', region: 'local-1', zone: 'local-1a' });
    assert.equal(plan.to.zone, 'local-1b');
    assert.equal(plan.expectedRpoSeconds, 0);
    assert.deepEqual(plan.volumes.map((v) => [v.volume, v.snapshot.take, v.copyTo]).sort(), [
      ['db', true, undefined],
      ['default', true, undefined],
    ]);
    assert.equal(plan.steps[0], 'stop the app');
    const table = await cli('app', 'migrate', '--zone', 'local-1b', '--dry-run');
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /expected RPO:\s+0s/);
    assert.match(table.stdout, /1\. stop the app/);
  });

  void it('moves live to another zone with the same bytes, keeping the old disks', async () => {
    const old = await assignedDisks();
    for (const d of old)
      writeTree(d.handle, {
        [`${d.volumeName}/data.bin`]: randomBytes(200_000),
        'note.txt': `${d.volumeName}\n`,
      });
    const expected = await content();

    const moved = await json<OperationRecord>('app', 'migrate', '--zone', 'local-1b');
    assert.equal(moved.phase, 'Completed', JSON.stringify(moved.failure));
    assert.equal(moved.lane, 'migrate');
    assert.equal(moved.figures?.rpoSeconds, 0);
    assert.ok(Number(moved.figures?.rtoSeconds) > 0, `rtoSeconds ${moved.figures?.rtoSeconds}`);
    for (const s of ['stop the app', 'snapshot db', 'verify zone'])
      assert.ok(stepNames(moved).includes(s), `no step ${s}: ${stepNames(moved).join(', ')}`);

    const now = await assignedDisks();
    assert.deepEqual(
      now.map((d) => d.zone),
      ['local-1b', 'local-1b'],
    );
    assert.deepEqual(await content(), expected, 'the moved disks differ from the source');
    const status = await readyIn('local-1b');
    assert.equal(status.placement?.zone, 'local-1b');
    // The old disks stay, unassigned, tagged with their lineage, and listed as kept.
    const all = await json<DiskView[]>('disk', 'list');
    for (const d of old) assert.equal(all.find((x) => x.name === d.name)?.assigned, false);
    assert.deepEqual(status.kept.map((k) => k.name).sort(), old.map((d) => d.name).sort());
    const target = localAppTarget({
      app: project.appName,
      localRoot: project.localRoot,
      volumes: ['default', 'db'],
    });
    const driver = await driverOf({ ...target, workspace: 'demo' }, suite.stack.dir);
    const tags = (await driver.listDisks({ app: project.appName, volume: 'db' })).find(
      (d) => d.name === old.find((o) => o.volumeName === 'db')!.name,
    )!.tags;
    assert.equal(tags[TAG.lineageOperation], moved.id.toLowerCase());
    assert.match(tags[TAG.lineageTarget] ?? '', /local-1b/);
    assert.ok(Number(tags[TAG.keepUntil]) > Date.now() / 1000 + 6 * 86400, 'keep-until is not 7 days ahead');
  });

  void it('a cancel before the cut-over puts the app back on its old disks, running', async () => {
    const before = await assignedDisks();
    const expected = await content();
    const started = await cli('app', 'migrate', '--zone', 'local-1c', '--no-wait', '-o', 'json');
    assert.equal(started.status, 0, started.stderr);
    const op = JSON.parse(started.stdout) as OperationRecord;
    await waitForSteps(
      suite.stack.client,
      project.appKey,
      op.id,
      'a disk being created',
      (steps) => steps.some((s) => s.name.startsWith('create a ') && s.phase === 'InProgress'),
      120_000,
    );
    // Straight through the client: a CLI process took longer than the rest of the move to start
    // on a busy machine. The CLI's `op cancel` is exercised after the cut-over, below.
    const record = await cancelOperation(suite.stack.client, project.appKey, op.id, 'test');
    assert.equal(
      record.phase,
      'Cancelled',
      `${record.phase}; steps: ${record.steps.map((s) => `${s.name} ${s.phase}`).join(', ')}`,
    );
    assert.ok(stepNames(record).includes('undo: start the app again'), stepNames(record).join(', '));
    assert.deepEqual(await assignedDisks(), before, 'the old disks are not the assigned ones');
    assert.deepEqual(await content(), expected);
    await readyIn('local-1b');
    const inC = (await json<DiskView[]>('disk', 'list')).filter((d) => d.zone === 'local-1c');
    assert.deepEqual(inC, [], `disks left in local-1c: ${inC.map((d) => d.name).join(', ')}`);
  });

  void it('a worker killed and a cancel after the cut-over do not undo the move; kept disks are pruned on time', async () => {
    const expected = await content();
    const fromB = await assignedDisks();
    const started = await cli(
      'app',
      'migrate',
      '--zone',
      'local-1c',
      '--keep-source',
      '40s',
      '--no-wait',
      '-o',
      'json',
    );
    assert.equal(started.status, 0, started.stderr);
    const op = JSON.parse(started.stdout) as OperationRecord;
    await waitForSteps(
      suite.stack.client,
      project.appKey,
      op.id,
      'past the cut-over, tagging the kept disks',
      (steps) => steps.some((s) => s.name.startsWith('tag disk ') && s.phase === 'InProgress'),
      180_000,
    );
    // The cancel is sent while no worker runs, so it reaches the move before the move can end.
    await killWorker(suite.stack.dir);
    const cancelling = cli('op', 'cancel', op.id, '-o', 'json');
    await untilControllerHasWork(suite.stack.client, project.appKey);
    await restartWorker(suite.stack.dir);
    const cancelled = await cancelling;
    assert.equal(cancelled.status, 1, cancelled.stderr);
    assert.match(
      cancelled.stderr,
      /ended Completed: .*past the point where it can be undone.*nothing was undone/,
    );
    const record = await json<OperationRecord>('op', 'show', op.id);
    assert.equal(record.phase, 'Completed', JSON.stringify(record.failure));
    assert.ok(!stepNames(record).some((s) => s.startsWith('undo:')), stepNames(record).join(', '));
    assert.equal(record.figures?.rpoSeconds, 0);
    assert.ok(Number(record.figures?.rtoSeconds) > 0, `rtoSeconds ${record.figures?.rtoSeconds}`);
    assert.deepEqual(
      (await assignedDisks()).map((d) => d.zone),
      ['local-1c', 'local-1c'],
    );
    assert.deepEqual(await content(), expected);
    await readyIn('local-1c');

    // 40 s later the controller prunes the local-1b disks this move kept, by itself.
    await eventually(
      'the kept local-1b disks pruned',
      async () => {
        const names = new Set((await json<DiskView[]>('disk', 'list')).map((d) => d.name));
        return fromB.every((d) => !names.has(d.name)) ? true : undefined;
      },
      120_000,
    );
    const status = await json<AppStatus>('app', 'status');
    assert.ok(
      !status.kept.some((k) => fromB.some((d) => d.name === k.name)),
      `still listed as kept: ${JSON.stringify(status.kept)}`,
    );
    const ops = await json<OperationRecord[]>('op', 'list');
    const prune = ops.find((o) => o.kind === 'kept.prune');
    assert.equal(prune?.phase, 'Completed', JSON.stringify(prune));
    assert.equal(prune?.requester.via, 'controller');
  });

  void it('moves from the newest snapshots while the source zone is down', async () => {
    const snap = await json<OperationRecord>('snapshot', 'create');
    assert.equal(snap.phase, 'Completed', JSON.stringify(snap.failure));
    const atSnapshot = await content();
    // Written after the snapshot: lost by an unplanned move, which the RPO figure says.
    for (const d of await assignedDisks()) writeTree(d.handle, { 'late.txt': 'after the snapshot\n' });
    const down = [nodeName('local-1c', 1), nodeName('local-1c', 2)];
    for (const n of down) await failNode(suite.stack.kubeconfig!, n, 'notready', { waitMs: 60_000 });
    try {
      const moved = await json<OperationRecord>(
        'app',
        'migrate',
        '--zone',
        'local-1a',
        '--from',
        'latest-snapshot',
      );
      assert.equal(moved.phase, 'Completed', JSON.stringify(moved.failure));
      assert.ok(!stepNames(moved).includes('stop the app'));
      assert.ok(Number(moved.figures?.rpoSeconds) >= 1, `rpoSeconds ${moved.figures?.rpoSeconds}`);
      assert.ok(Number(moved.figures?.rtoSeconds) > 0, `rtoSeconds ${moved.figures?.rtoSeconds}`);
      assert.deepEqual(
        (await assignedDisks()).map((d) => d.zone),
        ['local-1a', 'local-1a'],
      );
      assert.deepEqual(await content(), atSnapshot, 'the disks do not hold the snapshot');
      await readyIn('local-1a');
    } finally {
      for (const n of down) await recoverNode(suite.stack.kubeconfig!, n);
    }
  });
});
