import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InvalidScheduleError,
  formatKomIssue,
  isKnownTimeZone,
  loadProject,
  parseSnapshotSchedule,
} from '../../../kom';
import { appProject, assertHasError, komErrors } from './project-fixture';

void describe('snapshot schedules', () => {
  void it('accepts five-field cron and @every', () => {
    assert.deepEqual(parseSnapshotSchedule('17 */6 * * *'), { kind: 'cron', expression: '17 */6 * * *' });
    assert.deepEqual(parseSnapshotSchedule('0 3 * * MON-FRI'), {
      kind: 'cron',
      expression: '0 3 * * MON-FRI',
    });
    assert.deepEqual(parseSnapshotSchedule('@every 15m'), {
      kind: 'interval',
      everyMs: 900_000,
      text: '15m',
    });
    assert.deepEqual(parseSnapshotSchedule('@every 1d'), {
      kind: 'interval',
      everyMs: 86_400_000,
      text: '1d',
    });
  });

  const bad: [string, RegExp][] = [
    ['* * * *', /5 fields/],
    ['0 0 * * * *', /5 fields/],
    ['61 * * * *', /61/],
    ['H * * * *', /not supported/],
    ['0 0 L * *', /not supported/],
    ['@daily', /5 fields/],
    ['@every 500ms', /at least 1s/],
    ['@every often', /@every needs a duration/],
  ];
  for (const [text, reason] of bad) {
    void it(`rejects ${JSON.stringify(text)}`, () =>
      assert.throws(() => parseSnapshotSchedule(text), reason));
  }

  void it('knows IANA time zones', () => {
    assert.equal(isKnownTimeZone('Europe/Berlin'), true);
    assert.equal(isKnownTimeZone('UTC'), true);
    assert.equal(isKnownTimeZone('Mars/Olympus'), false);
    assert.ok(new InvalidScheduleError('x') instanceof Error);
  });
});

void describe('spec.snapshots and spec.failover in an App', () => {
  const spec = (extra: string) => `compose: file:compose.yml\nvolumes: [{ name: data, size: 1Gi }]\n${extra}`;
  const errorsOf = (extra: string) =>
    komErrors(() => loadProject({ cwd: appProject({ appSpec: spec(extra) }), env: {} }));

  void it('reads a full policy with defaults', () => {
    const project = loadProject({
      cwd: appProject({
        appSpec: spec(`snapshots:
  schedule: "@every 6h"
  timeZone: Asia/Tokyo
  consistency: hook
  hook: { container: web, pre: [sh, -c, sync] }
  retention: { keepLast: 3, maxAge: 12h }
  copyToRegion: westus2
failover: { enabled: true }`),
      }),
      env: {},
    });
    const app = project.apps[0];
    assert.deepEqual(app?.snapshots, {
      timeZone: 'Asia/Tokyo',
      consistency: 'hook',
      schedule: { kind: 'interval', everyMs: 21_600_000, text: '6h' },
      hook: { container: 'web', pre: ['sh', '-c', 'sync'], post: [], timeoutSeconds: 60, onError: 'fail' },
      retention: { keepLast: 3, maxAge: '12h', maxAgeMs: 43_200_000 },
      copyToRegion: 'westus2',
    });
    assert.deepEqual(app?.failover, { enabled: true, verifyGraceSeconds: 30, crossZone: 'never' });
  });

  void it('takes snapshots.copyToRegion without a warning; failover is active', () => {
    const warningsOf = (extra: string) =>
      loadProject({ cwd: appProject({ appSpec: spec(extra) }), env: {} }).warnings.map(formatKomIssue);
    assert.deepEqual(
      warningsOf(`snapshots:
  schedule: "@every 6h"
  copyToRegion: westus2
failover: { enabled: true, crossZone: latestSnapshot }`),
      [],
    );
    assert.deepEqual(warningsOf('snapshots: { schedule: "@every 6h" }'), []);
    // Failover within the zone is active: enabling it warns of nothing.
    assert.deepEqual(warningsOf('failover: { enabled: true, verifyGraceSeconds: 10 }'), []);
  });

  void it('refuses an empty or misspelt snapshots.copyToRegion, naming where', () => {
    assertHasError(
      errorsOf(`snapshots:
  copyToRegion: ""`),
      'kompoxapp.yml (document 1, line 8)',
      'spec.snapshots.copyToRegion',
      'must not be empty',
    );
    assertHasError(
      errorsOf(`snapshots:
  copyToRegion: East US 2`),
      'kompoxapp.yml (document 1, line 8)',
      'spec.snapshots.copyToRegion',
      '"East US 2" is not a region name',
    );
  });

  void it('names the file, document and field of a bad schedule, retention and time zone', () => {
    const errors = errorsOf(`snapshots:
  schedule: "every day"
  timeZone: Mars/Olympus
  retention: { keepLast: -1, keepDaily: 1.5, maxAge: 90 }`);
    assertHasError(
      errors,
      'kompoxapp.yml (document 1, line 8)',
      'spec.snapshots.schedule',
      '"every day"',
      '5 fields',
    );
    assertHasError(errors, 'spec.snapshots.timeZone', 'unknown time zone "Mars/Olympus"');
    assertHasError(errors, 'spec.snapshots.retention.keepLast', 'at least 0, got -1');
    assertHasError(errors, 'spec.snapshots.retention.keepDaily', 'whole number, got 1.5');
    assertHasError(errors, 'spec.snapshots.retention.maxAge', 'invalid duration "90"');
  });

  void it('is strict about hooks, unknown keys and failover values', () => {
    const errors = errorsOf(`snapshots:
  consistency: hook
  hook: { container: web, pre: "sync", onError: ignore }
  schedul: "0 * * * *"
failover: { enabled: yes, verifyGraceSeconds: -5, crossZone: always }`);
    assertHasError(errors, 'spec.snapshots.hook.pre', 'must be a list (argv)');
    assertHasError(errors, 'spec.snapshots.hook.onError', 'fail, continue', '"ignore"');
    assertHasError(errors, 'spec.snapshots.schedul', 'unknown field');
    assertHasError(errors, 'spec.failover.enabled', 'true or false, got "yes"');
    assertHasError(errors, 'spec.failover.verifyGraceSeconds', 'at least 0');
    assertHasError(errors, 'spec.failover.crossZone', 'never, latestSnapshot, zoneRedundant', '"always"');
  });

  void it('requires a hook for consistency: hook', () => {
    assertHasError(
      errorsOf('snapshots: { consistency: hook }'),
      'spec.snapshots.hook',
      'is required with consistency: hook',
    );
  });
});
