import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScheduleSpec } from '@temporalio/client';
import { CronExpressionParser } from 'cron-parser';
import type { SnapshotSchedule } from '../../../kom/model/snapshot-policy';
import {
  CATCHUP_MAX_MS,
  CATCHUP_MIN_MS,
  catchupWindowFor,
  InvalidCronError,
  jitterFor,
  nextCronTime,
  parseCron,
  scheduleIntervalMs,
  toScheduleSpec,
  toTemporalCronExpressions,
} from '../../../workflows/snapshot-policy';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const cron = (expression: string): SnapshotSchedule => ({ kind: 'cron', expression });
const every = (everyMs: number, text = `${everyMs}ms`): SnapshotSchedule => ({
  kind: 'interval',
  everyMs,
  text,
});

void describe('toScheduleSpec', () => {
  void it('turns cron into cronExpressions with the time zone', () => {
    const spec: ScheduleSpec = toScheduleSpec(cron('17 */6 * * *'), 'Europe/Berlin');
    assert.deepEqual(spec, {
      cronExpressions: ['17 0,6,12,18 * * *'],
      timezone: 'Europe/Berlin',
      jitter: 5 * MIN,
    });
  });

  void it('defaults the time zone to UTC', () => {
    assert.deepEqual(toScheduleSpec(cron('0 3 * * MON-FRI')), {
      cronExpressions: ['0 3 * * 1-5'],
      timezone: 'UTC',
      jitter: 5 * MIN,
    });
  });

  void it('turns @every into an interval (no time zone)', () => {
    const spec: ScheduleSpec = toScheduleSpec(every(6 * HOUR, '6h'), 'Asia/Tokyo');
    assert.deepEqual(spec, { intervals: [{ every: 6 * HOUR }], jitter: 5 * MIN });
    assert.deepEqual(toScheduleSpec(every(10 * MIN)), { intervals: [{ every: 10 * MIN }], jitter: MIN });
    assert.deepEqual(toScheduleSpec(every(5000)), { intervals: [{ every: 5000 }], jitter: 500 });
  });

  void it('splits day-of-month OR day-of-week into two expressions (Temporal ANDs them)', () => {
    assert.deepEqual(toTemporalCronExpressions(parseCron('0 2 1,15 * sun')), ['0 2 1,15 * *', '0 2 * * 0']);
    // One restricted day field: an ordinary AND with `*`.
    assert.deepEqual(toTemporalCronExpressions(parseCron('0 2 1 * *')), ['0 2 1 * *']);
    // `1-31` is restricted but full: every day, as cron-parser reads it.
    assert.deepEqual(toTemporalCronExpressions(parseCron('0 2 1-31 * 1')), ['0 2 * * *', '0 2 * * 1']);
  });

  void it('writes names, 7 and a/step as plain numbers', () => {
    assert.deepEqual(toTemporalCronExpressions(parseCron('5/20 1-3,7 * jan,Mar-may 5-7')), [
      '5,25,45 1-3,7 * 1,3-5 0,5,6',
    ]);
    assert.deepEqual(toTemporalCronExpressions(parseCron('* * * * *')), ['* * * * *']);
  });

  void it('rejects what it cannot read', () => {
    for (const bad of ['* * * *', '60 * * * *', '* * * * 8', '5-1 * * * *', '*/0 * * * *', 'x * * * *']) {
      assert.throws(() => parseCron(bad), InvalidCronError, bad);
    }
  });
});

void describe('cron fire times agree with cron-parser', () => {
  const expressions = [
    '17 */6 * * *',
    '0 3 * * MON-FRI',
    '*/15 9-17 * * 1-5',
    '5/20 * * * *',
    '0 0 1 * 1',
    '0 0 */2 * 1',
    '30 2 13 * fri',
    '0 0 29 2 *',
    '0 12 * * 7',
    '0 12 * * 5-7',
    '0 0 31 * *',
    '59 23 28-31 * *',
    '0 0 1 jan,jul *',
  ];
  const starts = ['2024-12-31T23:59:00Z', '2025-03-09T01:30:00Z', '2025-06-15T12:07:00Z'];
  for (const expression of expressions) {
    void it(expression, () => {
      const ours = parseCron(expression);
      for (const start of starts) {
        const theirs = CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: new Date(start) });
        let t = Date.parse(start);
        for (let i = 0; i < 40; i++) {
          const expected = theirs.next().toDate().getTime();
          const got = nextCronTime(ours, t, t + 10 * 366 * DAY);
          assert.equal(
            got === undefined ? 'none' : new Date(got).toISOString(),
            new Date(expected).toISOString(),
            `${expression} after ${new Date(t).toISOString()}`,
          );
          t = expected;
        }
      }
    });
  }

  void it('returns undefined past the horizon', () => {
    const t = Date.parse('2025-03-01T00:00:00Z');
    assert.equal(nextCronTime(parseCron('0 0 31 2 *'), t, t + 10 * 366 * DAY), undefined);
    assert.equal(nextCronTime(parseCron('0 0 1 * *'), t, t + DAY), undefined);
  });
});

void describe('intervals, catch-up window and jitter', () => {
  const cases: [SnapshotSchedule, number | undefined, number, number][] = [
    // schedule, interval, catch-up window, jitter
    [cron('17 */6 * * *'), 6 * HOUR, 6 * HOUR, 5 * MIN],
    [cron('*/5 * * * *'), 5 * MIN, 5 * MIN, 30_000],
    [cron('* * * * *'), MIN, MIN, 6_000],
    [cron('0 3 * * *'), DAY, DAY, 5 * MIN],
    [cron('0 3 * * 0'), 7 * DAY, CATCHUP_MAX_MS, 5 * MIN],
    [cron('0 9,17 * * *'), 8 * HOUR, 8 * HOUR, 5 * MIN],
    [cron('*/10 9-17 * * 1-5'), 10 * MIN, 10 * MIN, MIN],
    [cron('0 0 29 2 *'), 4 * 365 * DAY + DAY, CATCHUP_MAX_MS, 5 * MIN],
    [cron('0 0 31 2 *'), undefined, CATCHUP_MAX_MS, 5 * MIN],
    [every(6 * HOUR, '6h'), 6 * HOUR, 6 * HOUR, 5 * MIN],
    [every(30_000, '30s'), 30_000, CATCHUP_MIN_MS, 3_000],
    [every(3 * DAY, '3d'), 3 * DAY, CATCHUP_MAX_MS, 5 * MIN],
  ];
  for (const [schedule, interval, window, jitter] of cases) {
    const label = schedule.kind === 'cron' ? schedule.expression : `@every ${schedule.text}`;
    void it(label, () => {
      assert.equal(scheduleIntervalMs(schedule), interval);
      assert.equal(catchupWindowFor(schedule), window);
      assert.equal(jitterFor(schedule), jitter);
      assert.ok(jitterFor(schedule) < catchupWindowFor(schedule));
    });
  }

  void it('measures the cron interval from consecutive fire times', () => {
    const expression = '17 */6 * * *';
    const it2 = CronExpressionParser.parse(expression, {
      tz: 'UTC',
      currentDate: new Date('2025-05-01T00:00:00Z'),
    });
    const first = it2.next().toDate().getTime();
    const second = it2.next().toDate().getTime();
    assert.equal(catchupWindowFor(cron(expression)), second - first);
  });
});
