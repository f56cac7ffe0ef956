// The worker's /metrics report what the app controllers hold, not what one worker saw: an app
// deployed and snapshotted shows its operation counts and durations (exactly the controller's
// records) and each volume's snapshot age; a second worker (`kompoxops worker`) that ran none of
// it, and the first one killed and started afresh, report the same; after
// `app destroy` the app's series are gone. The worker's JSON log has one line per step of the
// snapshot, with the app key and the operation id, and no line twice.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { appControllerWorkflowId } from '../../../api/ids';
import { controllerViewQuery } from '../../../api/messages';
import type { OperationRecord } from '../../../api/operation';
import type { SnapshotView } from '../../../activities/snapshot-view';
import { devStackStatus, devWorkerConfigFile } from '../../../dev/dev-stack';
import { freeLoopbackAddress } from '../../../workers/metrics';
import { repoRoot } from '../../../workers/repo-root';
import { kompoxopsJson, wikiProject } from '../../helpers/deploy-project';
import { deploySuite } from '../../helpers/deploy-suite';
import { eventually } from '../../helpers/kube-app';
import { killAndRestartWorker } from '../../helpers/worker-kill';

/** `name{labels} value` lines of a Prometheus text exposition, labels parsed. */
interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseExposition(text: string): Series[] {
  const series: Series[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]),
    );
    series.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return series;
}

interface StepLine {
  msg: string;
  appKey?: string;
  operationId?: string;
  kind?: string;
  step?: string;
  outcome?: string;
  durationSeconds?: number;
}

void describe('metrics from the app controllers', () => {
  const suite = deploySuite();
  const p = suite.track(wikiProject('metered'));

  const scrape = async (url = devStackStatus(suite.stack.dir).metricsUrl): Promise<Series[]> => {
    assert.ok(url, 'the dev stack worker serves no metrics');
    const res = await fetch(url);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    return parseExposition(text);
  };
  const ofApp = (series: Series[], name?: string) =>
    series.filter((s) => s.labels.app_key === p.appKey && (name === undefined || s.name === name));
  /** `kind outcome` → value of the operation histogram's `_count` or `_sum`. */
  const byKindOutcome = (series: Series[], part: 'count' | 'sum') =>
    Object.fromEntries(
      ofApp(series, `kompox_operation_duration_seconds_${part}`).map((s) => [
        `${s.labels.kind} ${s.labels.outcome}`,
        s.value,
      ]),
    );
  const counts = (series: Series[]) => byKindOutcome(series, 'count');
  const sums = (series: Series[]) => byKindOutcome(series, 'sum');
  const ages = (series: Series[]) =>
    Object.fromEntries(ofApp(series, 'kompox_snapshot_age_seconds').map((s) => [s.labels.volume, s.value]));

  let snapshotOp: OperationRecord;
  let before: Series[];

  void it('exports the controller’s operation counts, durations and each volume’s snapshot age', async () => {
    const deploy = await kompoxopsJson<OperationRecord>(
      suite.stack,
      p.dir,
      'app',
      'deploy',
      '--bootstrap-disks',
    );
    assert.equal(deploy.phase, 'Completed', JSON.stringify(deploy.failure));
    snapshotOp = await kompoxopsJson<OperationRecord>(suite.stack, p.dir, 'snapshot', 'create');
    assert.equal(snapshotOp.phase, 'Completed', JSON.stringify(snapshotOp.failure));
    const snapshots = await kompoxopsJson<SnapshotView[]>(suite.stack, p.dir, 'snapshot', 'list');

    const view = await suite.stack.client.workflow
      .getHandle(appControllerWorkflowId(p.appKey))
      .query(controllerViewQuery);
    const expected: Record<string, number> = {};
    const expectedSums: Record<string, number> = {};
    for (const op of view.recentOperations) {
      const key = `${op.kind} ${op.phase}`;
      expected[key] = (expected[key] ?? 0) + 1;
      expectedSums[key] =
        (expectedSums[key] ?? 0) + (Date.parse(op.endedAt!) - Date.parse(op.startedAt ?? op.endedAt!)) / 1000;
    }
    assert.equal(expected['app.deploy Completed'], 1, JSON.stringify(expected));
    assert.equal(expected['snapshot.create Completed'], 1, JSON.stringify(expected));

    const scrapedAt = Date.now();
    before = await scrape();
    assert.deepEqual(counts(before), expected);
    const got = sums(before);
    for (const [key, sum] of Object.entries(expectedSums))
      assert.ok(
        Math.abs((got[key] ?? NaN) - sum) < 0.01,
        `${key}: exported ${got[key]}s, the records say ${sum}s`,
      );

    const volumes = [...new Set(snapshots.map((s) => s.volumeName))].sort();
    assert.deepEqual(Object.keys(ages(before)).sort(), volumes, 'a snapshot age for each snapshotted volume');
    for (const volume of volumes) {
      const newest = Math.max(
        ...snapshots.filter((s) => s.volumeName === volume && s.ready).map((s) => Date.parse(s.createdAt)),
      );
      const age = ages(before)[volume]!;
      const expectedAge = (scrapedAt - newest) / 1000;
      assert.ok(
        Math.abs(age - expectedAge) < 5,
        `volume ${volume}: age ${age}s, the snapshot is ${expectedAge}s old`,
      );
    }
    assert.equal(ofApp(before, 'kompox_failover_rto_seconds_count').length, 0, 'no failover, no RTO');
  });

  void it('logs one JSON line per step of the snapshot, with the app key and operation id', () => {
    const lines = readFileSync(join(suite.stack.dir, 'worker.log'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as StepLine);
    const steps = lines.filter((l) => l.msg === 'operation step' && l.operationId === snapshotOp.id);
    assert.ok(snapshotOp.steps.length > 0, 'the snapshot has steps');
    assert.deepEqual(
      steps.map((s) => s.step).sort(),
      snapshotOp.steps.map((s) => s.name).sort(),
      'one line per step of the record',
    );
    for (const s of steps) {
      assert.equal(s.appKey, p.appKey);
      assert.equal(s.kind, 'snapshot.create');
      assert.equal(s.outcome, 'Completed');
      assert.equal(typeof s.durationSeconds, 'number');
    }
  });

  let second: ChildProcess | undefined;
  after(() => second?.kill('SIGKILL'));

  void it('reports the same from a second worker that ran none of it', async () => {
    const address = await freeLoopbackAddress();
    second = spawn(
      join(repoRoot(), 'bin', 'kompoxops'),
      ['worker', '--config', devWorkerConfigFile(suite.stack.dir), '--metrics-address', address],
      {
        env: { ...process.env, KOMPOX_DEV_DIR: suite.stack.dir, TEMPORAL_ADDRESS: suite.stack.address },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    second.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = `http://${address}/metrics`;
    const deadline = Date.now() + 60_000;
    let theirs: Series[] | undefined;
    while (!theirs) {
      assert.ok(second.exitCode === null, `the second worker exited ${second.exitCode}:\n${stderr}`);
      assert.ok(Date.now() < deadline, `the second worker served no metrics in 60 s:\n${stderr}`);
      theirs = await scrape(url).catch(() => undefined);
      if (!theirs) await sleep(250);
    }
    const ours = await scrape();
    assert.deepEqual(counts(theirs), counts(before));
    assert.deepEqual(sums(theirs), sums(before));
    const [a, b] = [ages(ours), ages(theirs)];
    assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
    for (const volume of Object.keys(a))
      assert.ok(Math.abs(a[volume]! - b[volume]!) < 5, `age of ${volume}: ${a[volume]}s and ${b[volume]}s`);
    second.kill('SIGTERM');
    await new Promise((resolve) =>
      second?.exitCode !== null ? resolve(undefined) : second.once('exit', resolve),
    );
    // It logs JSON lines too (stderr is a pipe, not a terminal).
    assert.ok(
      stderr
        .split('\n')
        .some((l) => l.startsWith('{') && (JSON.parse(l) as { msg?: string }).msg !== undefined),
      stderr,
    );
  });

  void it('reports the same after the worker is killed and started again', async () => {
    await killAndRestartWorker(suite.stack.dir);
    const after = await scrape();
    assert.deepEqual(counts(after), counts(before));
    assert.deepEqual(sums(after), sums(before));
    const [was, now] = [ages(before), ages(after)];
    assert.deepEqual(Object.keys(now).sort(), Object.keys(was).sort());
    for (const volume of Object.keys(was))
      assert.ok(now[volume]! >= was[volume]!, `age of ${volume} went back`);
    // The new worker replayed the controller: the snapshot's steps are still logged once each.
    const logged = readFileSync(join(suite.stack.dir, 'worker.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"operation step"') && l.includes(snapshotOp.id));
    assert.equal(logged.length, snapshotOp.steps.length, logged.join('\n'));
  });

  void it('drops the app’s series once it is destroyed', async () => {
    const destroy = await kompoxopsJson<OperationRecord>(suite.stack, p.dir, 'app', 'destroy');
    assert.equal(destroy.phase, 'Completed', JSON.stringify(destroy.failure));
    await eventually('the app’s series gone', async () => {
      const left = ofApp(await scrape());
      return left.length === 0 ? true : undefined;
    });
    const series = await scrape();
    assert.ok(
      series.some((s) => s.name.startsWith('temporal_')),
      'the SDK’s own metrics are still served',
    );
    assert.equal(series.find((s) => s.name === 'kompox_metrics_unanswered_controllers')?.value, 0);
  });
});
