// What snapshots refuse: invalid schedules or retention in the KOM (validate and schedule apply
// exit 2 and create no Schedule), a restore from a snapshot of another volume or app (the CLI
// exits 2 before any operation; the controller fails the operation with NotFound and creates no
// disk), and deleting the newest ready snapshot of a volume (Failed, NewestSnapshot) while an
// older one is deleted.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ScheduleNotFoundError } from '@temporalio/client';
import { snapshotScheduleId } from '../../../client/snapshot-schedule';
import { localAppTarget } from '../../helpers/app-target';
import { type TestProject, kompoxops, kompoxopsJson, wikiProject } from '../../helpers/deploy-project';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import { driverOf, runOperation, setWikiSnapshots } from '../../helpers/snapshots';
import type { SnapshotView } from '../../../activities/snapshot-view';
import type { OperationRecord } from '../../../api/operation';

void describe('snapshot refusals', () => {
  let stack: TestStack;
  const dirs: string[] = [];
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A copy of examples/wiki with its spec.snapshots lines replaced. */
  function exampleWith(lines: string[]): TestProject {
    const project = wikiProject(`badsnap${process.pid}x${dirs.length}`);
    dirs.push(project.dir);
    setWikiSnapshots(project, lines);
    return project;
  }

  const bad: { name: string; lines: string[]; expect: RegExp }[] = [
    {
      name: "schedule '@every 0s'",
      lines: ["schedule: '@every 0s'", 'retention: { keepLast: 2 }'],
      expect: /spec\.snapshots\.schedule.*@every 0s.*at least 1s/,
    },
    {
      name: "schedule '61 * * * *'",
      lines: ["schedule: '61 * * * *'", 'retention: { keepLast: 2 }'],
      expect: /spec\.snapshots\.schedule.*"61 \* \* \* \*"/,
    },
    {
      name: 'retention keepLast: -1',
      lines: ["schedule: '@every 1h'", 'retention: { keepLast: -1 }'],
      expect: /spec\.snapshots\.retention\.keepLast/,
    },
    {
      name: "retention maxAge: 'soon'",
      lines: ["schedule: '@every 1h'", "retention: { maxAge: 'soon' }"],
      expect: /spec\.snapshots\.retention\.maxAge.*invalid duration "soon"/,
    },
  ];
  for (const c of bad) {
    void it(`${c.name}: validate and schedule apply exit 2, no Schedule is made`, async () => {
      const project = exampleWith(c.lines);
      const dir = project.dir;
      const validate = await kompoxops(stack, dir, 'validate');
      assert.equal(validate.status, 2, `${validate.stdout}\n${validate.stderr}`);
      assert.match(validate.stderr, /kompoxapp\.yml/);
      assert.match(validate.stderr, c.expect);
      const apply = await kompoxops(stack, dir, 'schedule', 'apply');
      assert.equal(apply.status, 2, `${apply.stdout}\n${apply.stderr}`);
      assert.match(apply.stderr, c.expect);
      await assert.rejects(
        stack.client.schedule.getHandle(snapshotScheduleId(project.appKey)).describe(),
        ScheduleNotFoundError,
      );
    });
  }

  void it('kompoxops snapshot restore from another volume or app exits 2 and starts nothing', async () => {
    const project = wikiProject(`refuse${process.pid}`);
    dirs.push(project.dir);
    const cli = (...args: string[]) => kompoxops(stack, project.dir, ...args);
    assert.equal((await cli('disk', 'create', '--bootstrap')).status, 0);
    const snap = await kompoxopsJson<OperationRecord>(
      stack,
      project.dir,
      'snapshot',
      'create',
      '-V',
      'default',
      '-N',
      'only-default',
    );
    assert.equal(snap.phase, 'Completed', JSON.stringify(snap.failure));
    const opsBefore = (await kompoxopsJson<OperationRecord[]>(stack, project.dir, 'op', 'list')).length;

    const otherVolume = await cli('snapshot', 'restore', '-V', 'db', '-N', 'only-default');
    assert.equal(otherVolume.status, 2, otherVolume.stderr);
    assert.match(otherVolume.stderr, /"only-default" belongs to volume "default", not "db"/);

    // A name only another app has: not a snapshot of this volume, with the command that lists them.
    const otherApp = await cli('snapshot', 'restore', '-V', 'db', '-N', 'of-another-app');
    assert.equal(otherApp.status, 2, otherApp.stderr);
    assert.match(otherApp.stderr, /"of-another-app" is not a snapshot of volume "db".*snapshot list -V db/);

    const opsAfter = await kompoxopsJson<OperationRecord[]>(stack, project.dir, 'op', 'list');
    assert.equal(opsAfter.length, opsBefore, 'a refused restore started an operation');
    const list = await kompoxopsJson<SnapshotView[]>(stack, project.dir, 'snapshot', 'list');
    assert.deepEqual(
      list.map((s) => [s.volumeName, s.name]),
      [['default', 'only-default']],
    );
  });

  void it('the controller fails a restore from another volume or app with NotFound and creates no disk', async () => {
    const target = localAppTarget({ volumes: ['db', 'files'] });
    const other = localAppTarget({ volumes: ['db'], localRoot: target.provider.settings.LOCAL_ROOT! });
    dirs.push(target.provider.settings.LOCAL_ROOT!);
    for (const t of [target, other]) {
      const boot = await runOperation(stack.client, { kind: 'disk.bootstrap', target: t });
      assert.equal(boot.phase, 'Completed', JSON.stringify(boot.failure));
    }
    const mk = async (t: typeof target, volume: string, name: string) => {
      const op = await runOperation(stack.client, { kind: 'snapshot.create', target: t, volume, name });
      assert.equal(op.phase, 'Completed', JSON.stringify(op.failure));
    };
    await mk(target, 'files', 'files-1');
    await mk(other, 'db', 'other-db-1');
    const driver = await driverOf(target, stack.dir);
    const disksBefore = await driver.listDisks({ app: target.appName, volume: 'db' });

    for (const name of ['files-1', 'other-db-1']) {
      const op = await runOperation(stack.client, { kind: 'snapshot.restore', target, volume: 'db', name });
      assert.equal(op.phase, 'Failed', `restore db from ${name}: ${op.phase}`);
      assert.equal(op.failure?.reason, 'NotFound');
      assert.match(op.failure?.message ?? '', new RegExp(`"${name}" is not a snapshot of volume "db"`));
      assert.ok(!op.steps.some((s) => s.name === 'create disk from snapshot'), 'a disk was created');
    }
    const disksAfter = await driver.listDisks({ app: target.appName, volume: 'db' });
    assert.deepEqual(
      disksAfter.map((d) => [d.name, d.tags]),
      disksBefore.map((d) => [d.name, d.tags]),
    );
  });

  void it('snapshot delete refuses the newest ready snapshot (NewestSnapshot) and deletes an older one', async () => {
    const target = localAppTarget({ volumes: ['db'] });
    dirs.push(target.provider.settings.LOCAL_ROOT!);
    const boot = await runOperation(stack.client, { kind: 'disk.bootstrap', target });
    assert.equal(boot.phase, 'Completed', JSON.stringify(boot.failure));
    for (const name of ['snap-a', 'snap-b', 'snap-c']) {
      const op = await runOperation(stack.client, { kind: 'snapshot.create', target, volume: 'db', name });
      assert.equal(op.phase, 'Completed', JSON.stringify(op.failure));
    }
    const driver = await driverOf(target, stack.dir);
    const del = (name: string) =>
      runOperation(stack.client, { kind: 'snapshot.delete', target, volume: 'db', name });
    const names = async () =>
      (await driver.listSnapshots({ app: target.appName, volume: 'db' })).map((s) => s.name).sort();

    const newest = await del('snap-c');
    assert.equal(newest.phase, 'Failed');
    assert.equal(newest.failure?.reason, 'NewestSnapshot');
    assert.match(newest.failure?.message ?? '', /"snap-c" is the newest ready snapshot of volume "db"/);
    assert.deepEqual(await names(), ['snap-a', 'snap-b', 'snap-c']);

    const older = await del('snap-a');
    assert.equal(older.phase, 'Completed', JSON.stringify(older.failure));
    assert.equal(older.figures?.snapshotsDeleted, 1);
    assert.deepEqual(await names(), ['snap-b', 'snap-c']);

    // With one ready snapshot left it is the newest and stays.
    const middle = await del('snap-b');
    assert.equal(middle.phase, 'Completed', JSON.stringify(middle.failure));
    const last = await del('snap-c');
    assert.equal(last.failure?.reason, 'NewestSnapshot');
    assert.deepEqual(await names(), ['snap-c']);
  });
});
