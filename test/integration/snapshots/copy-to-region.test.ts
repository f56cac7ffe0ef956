// spec.snapshots.copyToRegion on the real control plane: every snapshot run (on demand and
// scheduled) copies each new snapshot to local-2 after the stop-consistent app is back; the copy
// is ready there with the source's checksum, the operation record shows a copy step per volume
// and the figures, a disk made from the copy in a local-2 zone holds what was snapshotted, and
// retention keeps its rule in each region. A region the provider does not know is refused at
// deploy and at a snapshot run before anything is done, naming the field. The local provider
// takes 2 s per copy (LOCAL_LATENCY_MS), as a cloud takes its time.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { SnapshotView } from '../../../activities/snapshot-view';
import type { DiskView } from '../../../api/messages';
import { type OperationRecord, isFinal } from '../../../api/operation';
import { kompoxops, kompoxopsJson, wikiProject } from '../../helpers/deploy-project';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import {
  controllerView,
  setProviderSettings,
  setWikiSnapshots,
  treeChecksums,
  writeTree,
} from '../../helpers/snapshots';

const COPY_MS = 2000;

const stepNames = (op: OperationRecord) => op.steps.map((s) => `${s.name}:${s.phase}`).join(', ');
const step = (op: OperationRecord, name: string) => {
  const s = op.steps.find((x) => x.name === name);
  assert.ok(s, `no step "${name}": ${stepNames(op)}`);
  return s;
};
/** The SHA-256 the local provider keeps for a snapshot's archive. */
const archiveSha = (s: SnapshotView): string =>
  (JSON.parse(readFileSync(join(s.handle, 'meta.json'), 'utf8')) as { sha256: string }).sha256;

void describe('copyToRegion', () => {
  let stack: TestStack;
  const project = wikiProject(`copy${process.pid}`);
  const policy = (region: string) => [
    "schedule: '@every 24h'",
    'timeZone: UTC',
    'consistency: stop',
    `copyToRegion: ${region}`,
    'retention: { keepLast: 1 }',
  ];
  setWikiSnapshots(project, policy('local-2'));
  setProviderSettings(project, { LOCAL_LATENCY_MS: `copySnapshot=${COPY_MS}` });
  const volumes = ['db', 'default'];

  before(async () => {
    stack = await startTestStack({ cluster: true });
  });
  after(async () => {
    await stack?.stop();
    rmSync(project.dir, { recursive: true, force: true });
  });

  const json = <T>(...args: string[]) => kompoxopsJson<T>(stack, project.dir, ...args);
  /** An operation the CLI reports as failed (exit status 1, the record on stdout). */
  const failed = async (...args: string[]): Promise<OperationRecord> => {
    const r = await kompoxops(stack, project.dir, ...args, '-o', 'json');
    assert.equal(r.status, 1, `exit ${r.status}: ${r.stderr}`);
    return JSON.parse(r.stdout) as OperationRecord;
  };
  const unknownRegion =
    /^spec\.snapshots\.copyToRegion: "local-9" is not a region of provider local \(driver local\) \(known: local-1, local-2\)$/;

  void it('refuses a region the provider does not know at deploy, before any disk is made', async () => {
    setWikiSnapshots(project, policy('local-9'));
    try {
      const op = await failed('app', 'deploy', '--bootstrap-disks');
      assert.equal(op.phase, 'Failed');
      assert.equal(op.failure?.reason, 'InvalidArgument');
      assert.match(op.failure?.message ?? '', unknownRegion);
      assert.equal(stepNames(op), 'validate:Failed');
      assert.deepEqual(await json<DiskView[]>('disk', 'list'), []);
    } finally {
      setWikiSnapshots(project, policy('local-2'));
    }
  });

  let original: Record<string, string> = {};
  let onDemand = '';

  void it('copies each snapshot to local-2 after the app is back: same checksum, steps, figures, a disk there', async () => {
    const deployed = await json<OperationRecord>('app', 'deploy', '--bootstrap-disks');
    assert.equal(deployed.phase, 'Completed', JSON.stringify(deployed.failure));
    const db = (await json<DiskView[]>('disk', 'list')).find((d) => d.volumeName === 'db' && d.assigned);
    assert.ok(db, 'no assigned db disk');
    writeTree(db.handle, { 'postgres/base/1/16384': randomBytes(200_000), 'notes.txt': 'before\n' });
    original = treeChecksums(db.handle);

    const op = await json<OperationRecord>('snapshot', 'create');
    assert.equal(op.phase, 'Completed', JSON.stringify(op.failure));
    onDemand = String(op.figures?.['volume.db']);
    assert.match(onDemand, /^o\d{8}-\d{6}-[a-z0-9]{4}$/);

    // Checked first, copied after the app was scaled back up, one step per volume.
    assert.equal(op.steps[0]?.name, 'check copy region local-2', stepNames(op));
    assert.equal(op.steps[0]?.detail, 'copies go from local-1 to local-2');
    const upAt = Date.parse(step(op, 'scale up').endedAt ?? '');
    for (const v of volumes) {
      const copy = step(op, `copy ${v} ${onDemand} to local-2`);
      assert.equal(copy.phase, 'Completed', copy.detail);
      assert.match(copy.detail ?? '', new RegExp(`^${onDemand}-local-2 in local-2 \\(\\d+ bytes\\)$`));
      assert.ok(Date.parse(copy.startedAt) >= upAt, `copy of ${v} started before the app was back`);
      assert.equal(op.figures?.[`copy.${v}`], `${onDemand}-local-2`);
    }
    assert.equal(op.figures?.copies, 2);
    assert.equal(op.figures?.copyRegion, 'local-2');
    const seconds = Number(op.figures?.copySeconds);
    assert.ok(seconds >= COPY_MS / 1000 - 0.2 && seconds < 60, `copySeconds ${seconds}`);

    const list = await json<SnapshotView[]>('snapshot', 'list');
    for (const v of volumes) {
      const source = list.find((s) => s.volumeName === v && s.name === onDemand);
      const copy = list.find((s) => s.volumeName === v && s.name === `${onDemand}-local-2`);
      assert.ok(source && copy, `volume ${v}: ${JSON.stringify(list)}`);
      assert.equal(source.region, 'local-1');
      assert.equal(copy.region, 'local-2');
      assert.equal(copy.ready, true);
      assert.equal(copy.size, source.size);
      assert.equal(archiveSha(copy), archiveSha(source), `volume ${v}: the copy's content differs`);
    }

    // The copy makes a disk in local-2 with what was snapshotted.
    const made = await json<{ operation: OperationRecord; disks: DiskView[] }>(
      'disk',
      'create',
      '-V',
      'db',
      '-S',
      `snapshot:${onDemand}-local-2`,
      '-Z',
      'local-2b',
    );
    assert.equal(made.operation.phase, 'Completed', JSON.stringify(made.operation.failure));
    const there = made.disks.find((d) => d.zone === 'local-2b' && !d.assigned);
    assert.ok(there, `no db disk in local-2b: ${JSON.stringify(made.disks)}`);
    assert.deepEqual(treeChecksums(there.handle), original);
  });

  void it('refuses an unknown region at a snapshot run before the app is stopped', async () => {
    const before = await json<SnapshotView[]>('snapshot', 'list');
    setWikiSnapshots(project, policy('local-9'));
    try {
      const op = await failed('snapshot', 'create');
      assert.equal(op.failure?.reason, 'InvalidArgument');
      assert.match(op.failure?.message ?? '', unknownRegion);
      assert.equal(stepNames(op), 'check copy region local-9:Failed');
      assert.deepEqual(await json<SnapshotView[]>('snapshot', 'list'), before);
    } finally {
      setWikiSnapshots(project, policy('local-2'));
    }
  });

  void it('a scheduled run copies too, and keepLast 1 holds in each region', async () => {
    const applied = await kompoxops(stack, project.dir, 'schedule', 'apply');
    assert.equal(applied.status, 0, applied.stderr);
    const trigger = await kompoxops(stack, project.dir, 'schedule', 'trigger');
    assert.equal(trigger.status, 0, trigger.stderr);
    let op: OperationRecord | undefined;
    for (const deadline = Date.now() + 60_000; !op; await sleep(300)) {
      assert.ok(Date.now() < deadline, 'no scheduled snapshot run ended within 60 s');
      const view = await controllerView(stack.client, project.appKey);
      op = view.recentOperations.find(
        (o) => o.kind === 'snapshot.create' && o.requester.via === 'schedule' && isFinal(o.phase),
      );
    }
    const deleted = await kompoxops(stack, project.dir, 'schedule', 'delete');
    assert.equal(deleted.status, 0, deleted.stderr);
    assert.equal(op.phase, 'Completed', JSON.stringify(op.failure));
    const scheduled = String(op.figures?.['volume.db']);
    assert.match(scheduled, /^s\d{8}-\d{6}$/);
    assert.equal(op.figures?.copies, 2);
    for (const v of volumes) assert.equal(step(op, `copy ${v} ${scheduled} to local-2`).phase, 'Completed');
    // The on-demand snapshot and its copy are pruned, each by its own region's newer one.
    assert.equal(op.figures?.pruned, 4);

    const list = await json<SnapshotView[]>('snapshot', 'list');
    for (const v of volumes) {
      const left = list
        .filter((s) => s.volumeName === v)
        .map((s) => `${s.name}@${s.region}`)
        .sort();
      assert.deepEqual(left, [`${scheduled}-local-2@local-2`, `${scheduled}@local-1`], `volume ${v}`);
    }
    assert.ok(!list.some((s) => s.name.startsWith(onDemand)));
  });

  void it('a copy that fails leaves the operation PartiallyFailed with the reason, and the snapshot kept', async () => {
    // A snapshot already holds the name the copy of "clash" would take in this volume.
    const blocker = await json<OperationRecord>('snapshot', 'create', '-V', 'db', '-N', 'clash-local-2');
    assert.equal(blocker.phase, 'Completed', JSON.stringify(blocker.failure));
    const op = await failed('snapshot', 'create', '-V', 'db', '-N', 'clash');
    assert.equal(op.phase, 'PartiallyFailed', JSON.stringify(op));
    assert.equal(op.figures?.['volume.db'], 'clash');
    assert.equal(op.figures?.copies, 0);
    assert.match(String(op.figures?.['copy.db']), /^Failed: .*clash-local-2 already exists/);
    assert.match(String(op.figures?.copyFailed), /^db: .*clash-local-2 already exists/);
    const copy = step(op, 'copy db clash to local-2');
    assert.equal(copy.phase, 'Failed');
    assert.equal(step(op, 'scale up').phase, 'Completed');
    const list = await json<SnapshotView[]>('snapshot', 'list', '-V', 'db');
    const kept = list.find((s) => s.name === 'clash');
    assert.ok(kept?.ready && kept.region === 'local-1', `snapshot clash: ${JSON.stringify(list)}`);
  });
});
