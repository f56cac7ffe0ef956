import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  dayKey,
  isoWeekKey,
  planRetention,
  retentionCandidatesFrom,
  retentionRulesFrom,
  type RetentionCandidate,
  type RetentionPlan,
  type RetentionRules,
} from '../../../workflows/snapshot-policy';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date('2025-03-20T12:00:00Z');

/** A ready snapshot `hoursAgo` before NOW, named by its age so assertions read easily. */
function ready(hoursAgo: number, extra: Partial<RetentionCandidate> = {}): RetentionCandidate {
  return {
    name: `h${hoursAgo}`,
    createdAt: new Date(NOW.getTime() - hoursAgo * HOUR).toISOString(),
    ready: true,
    ...extra,
  };
}

function plan(snapshots: RetentionCandidate[], rules: RetentionRules, timeZone?: string): RetentionPlan {
  return planRetention({ snapshots, rules, now: NOW, ...(timeZone ? { timeZone } : {}) });
}

const kept = (p: RetentionPlan): string[] => p.keep.map((k) => k.name);
const deleted = (p: RetentionPlan): string[] => p.delete.map((d) => d.name);
const reasonsOf = (p: RetentionPlan, name: string): string[] | undefined =>
  p.keep.find((k) => k.name === name)?.reasons;

void describe('planRetention rules', () => {
  void it('keeps everything when there are no rules', () => {
    const snaps = [ready(1), ready(100), ready(1000), { ...ready(2000), ready: false }];
    const p = plan(snaps, {});
    assert.deepEqual(deleted(p), []);
    assert.deepEqual(kept(p), ['h1', 'h100', 'h1000', 'h2000']);
    assert.deepEqual(reasonsOf(p, 'h1'), ['newest-ready', 'no-rules']);
  });

  void it('keepLast keeps the N newest ready snapshots', () => {
    const p = plan([ready(5), ready(1), ready(3), ready(2), ready(4)], { keepLast: 3 });
    assert.deepEqual(kept(p), ['h1', 'h2', 'h3']);
    assert.deepEqual(p.delete, [
      { name: 'h4', reason: 'unselected' },
      { name: 'h5', reason: 'unselected' },
    ]);
    assert.deepEqual(reasonsOf(p, 'h1'), ['newest-ready', 'keepLast']);
  });

  void it('keepLast counts only ready snapshots', () => {
    const p = plan([ready(1, { ready: false, inProgress: true }), ready(2), ready(3)], { keepLast: 1 });
    assert.deepEqual(kept(p), ['h1', 'h2']);
    assert.deepEqual(deleted(p), ['h3']);
  });

  void it('keepLast: 0 is a rule that selects nothing (only the protections remain)', () => {
    const p = plan([ready(1), ready(2), ready(3)], { keepLast: 0 });
    assert.deepEqual(kept(p), ['h1']);
    assert.deepEqual(deleted(p), ['h2', 'h3']);
  });

  void it('keepDaily keeps the newest snapshot of each of the last N days that have one', () => {
    // NOW is 12:00 UTC on 03-20. Ages: 1h, 5h (03-20); 13h, 20h (03-19); 60h (03-18 00:00); 61h (03-17).
    const snaps = [ready(1), ready(5), ready(13), ready(20), ready(60), ready(61)];
    const p = plan(snaps, { keepDaily: 3 });
    assert.deepEqual(kept(p), ['h1', 'h13', 'h60']);
    assert.deepEqual(deleted(p), ['h5', 'h20', 'h61']);
    assert.deepEqual(reasonsOf(p, 'h13'), ['keepDaily']);
  });

  void it('keepDaily reads days in the schedule time zone', () => {
    // 03-20 02:00 UTC and 03-19 22:00 UTC are two UTC days; in New York (UTC-4) they are
    // 03-19 22:00 and 03-19 18:00: one day.
    const snaps = [ready(10), ready(14)];
    assert.deepEqual(kept(plan(snaps, { keepDaily: 5 })), ['h10', 'h14']);
    assert.deepEqual(kept(plan(snaps, { keepDaily: 5 }, 'America/New_York')), ['h10']);
    assert.deepEqual(deleted(plan(snaps, { keepDaily: 5 }, 'America/New_York')), ['h14']);
  });

  void it('keepWeekly keeps the newest snapshot of each of the last N ISO weeks', () => {
    // NOW = Thursday 2025-03-20. Week 12 starts Mon 03-17, week 11 Mon 03-10, week 10 Mon 03-03.
    const snaps = [ready(1), ready(2 * 24), ready(4 * 24), ready(5 * 24), ready(12 * 24), ready(17 * 24)];
    const p = plan(snaps, { keepWeekly: 2 });
    // h1, h48 in week 12; h96 (Sun 03-16), h120 (Sat 03-15) in week 11; h288 (03-08) in week 10.
    assert.deepEqual(kept(p), ['h1', 'h96']);
    assert.deepEqual(deleted(p), ['h48', 'h120', 'h288', 'h408']);
  });

  void it('maxAge alone keeps every ready snapshot younger than maxAge', () => {
    const p = plan([ready(1), ready(47), ready(48), ready(100)], { maxAgeMs: 2 * DAY });
    assert.deepEqual(kept(p), ['h1', 'h47']);
    assert.deepEqual(p.delete, [
      { name: 'h48', reason: 'expired' },
      { name: 'h100', reason: 'expired' },
    ]);
    assert.deepEqual(reasonsOf(p, 'h47'), ['maxAge']);
  });

  void it('maxAge caps what the count rules keep', () => {
    const snaps = [ready(1), ready(30), ready(60), ready(90)];
    const p = plan(snaps, { keepLast: 4, maxAgeMs: 2 * DAY });
    assert.deepEqual(kept(p), ['h1', 'h30']);
    assert.deepEqual(p.delete, [
      { name: 'h60', reason: 'expired' },
      { name: 'h90', reason: 'expired' },
    ]);
  });

  void it('maxAge does not keep young snapshots the count rules did not select', () => {
    const p = plan([ready(1), ready(2), ready(3)], { keepLast: 1, maxAgeMs: 90 * DAY });
    assert.deepEqual(kept(p), ['h1']);
    assert.deepEqual(p.delete, [
      { name: 'h2', reason: 'unselected' },
      { name: 'h3', reason: 'unselected' },
    ]);
  });

  void it('keeps the union of the count rules', () => {
    const snaps = [ready(1), ready(2), ready(30), ready(54), ready(200), ready(400)];
    const p = plan(snaps, { keepLast: 2, keepDaily: 3, keepWeekly: 3 });
    assert.deepEqual(kept(p), ['h1', 'h2', 'h30', 'h54', 'h200', 'h400']);
    assert.deepEqual(reasonsOf(p, 'h1'), ['newest-ready', 'keepLast', 'keepDaily', 'keepWeekly']);
    assert.deepEqual(reasonsOf(p, 'h2'), ['keepLast']);
    assert.deepEqual(reasonsOf(p, 'h30'), ['keepDaily']);
    assert.deepEqual(reasonsOf(p, 'h200'), ['keepWeekly']);
  });
});

void describe('planRetention across regions', () => {
  // Originals in local-1 every 10 h; each copied to local-2 an hour later.
  const originals = [ready(1), ready(11), ready(21), ready(31)].map((s) => ({ ...s, region: 'local-1' }));
  const copies = originals.map((s) => ({
    ...s,
    name: `${s.name}-local-2`,
    createdAt: new Date(Date.parse(s.createdAt) + HOUR).toISOString(),
    region: 'local-2',
  }));

  void it('applies the rules within each region', () => {
    const p = plan([...copies, ...originals], { keepLast: 2 });
    assert.deepEqual(kept(p), ['h1-local-2', 'h1', 'h11-local-2', 'h11']);
    assert.deepEqual(deleted(p), ['h21-local-2', 'h21', 'h31-local-2', 'h31']);
    assert.deepEqual(reasonsOf(p, 'h1'), ['newest-ready', 'keepLast']);
    assert.deepEqual(reasonsOf(p, 'h1-local-2'), ['newest-ready', 'keepLast']);
  });

  void it("keeps each region's newest ready snapshot, whatever the other region has", () => {
    // The only copy is older than every original, and maxAge has passed for it: it still stays.
    const lone = { ...ready(500), name: 'old-copy', region: 'local-2' };
    const p = plan([...originals, lone], { maxAgeMs: 2 * DAY });
    assert.deepEqual(reasonsOf(p, 'old-copy'), ['newest-ready']);
    assert.deepEqual(deleted(p), []);
  });

  void it('plans as before when no candidate names a region', () => {
    const snaps = [ready(5), ready(1), ready(3)];
    assert.deepEqual(
      plan(snaps, { keepLast: 1 }),
      plan(
        snaps.map((s) => ({ ...s, region: 'r' })),
        { keepLast: 1 },
      ),
    );
  });

  void it('refuses a name that appears in two regions', () => {
    assert.throws(() => plan([ready(1, { region: 'a' }), ready(1, { region: 'b' })], {}), /appears twice/);
  });
});

void describe('planRetention invariants', () => {
  void it('never deletes the newest ready snapshot, even when it is older than maxAge', () => {
    const p = plan([ready(500), ready(600)], { maxAgeMs: DAY, keepLast: 0 });
    assert.deepEqual(kept(p), ['h500']);
    assert.deepEqual(reasonsOf(p, 'h500'), ['newest-ready']);
    assert.deepEqual(deleted(p), ['h600']);
  });

  void it('never deletes snapshots in progress or in use', () => {
    const snaps = [
      ready(1),
      ready(2, { ready: false, inProgress: true }),
      ready(300, { inUse: true }),
      ready(400, { ready: false, inProgress: true }),
    ];
    const p = plan(snaps, { keepLast: 1, maxAgeMs: DAY });
    assert.deepEqual(kept(p), ['h1', 'h2', 'h300', 'h400']);
    assert.deepEqual(reasonsOf(p, 'h300'), ['in-use']);
    assert.deepEqual(reasonsOf(p, 'h400'), ['in-progress']);
  });

  void it('deletes failed snapshots older than the newest ready one and keeps newer ones', () => {
    const failed = { ready: false };
    const p = plan([ready(1, failed), ready(2), ready(3, failed)], { keepLast: 5 });
    assert.deepEqual(kept(p), ['h1', 'h2']);
    assert.deepEqual(reasonsOf(p, 'h1'), ['failed-after-newest-ready']);
    assert.deepEqual(p.delete, [{ name: 'h3', reason: 'failed' }]);
  });

  void it('keeps failed snapshots when no snapshot is ready', () => {
    const p = plan([ready(1, { ready: false }), ready(2, { ready: false })], { keepLast: 1 });
    assert.deepEqual(deleted(p), []);
  });

  void it('never deletes a snapshot whose creation time cannot be read', () => {
    const p = plan([ready(1), { name: 'odd', createdAt: 'yesterday', ready: true }], { keepLast: 1 });
    assert.deepEqual(kept(p), ['h1', 'odd']);
    assert.deepEqual(reasonsOf(p, 'odd'), ['unknown-age']);
  });

  void it('breaks equal creation times by name, whatever the input order', () => {
    const at = '2025-03-20T10:00:00Z';
    const snaps: RetentionCandidate[] = [
      { name: 'a', createdAt: at, ready: true },
      { name: 'c', createdAt: at, ready: true },
      { name: 'b', createdAt: at, ready: true },
    ];
    const p1 = plan(snaps, { keepLast: 1 });
    const p2 = plan([...snaps].reverse(), { keepLast: 1 });
    assert.deepEqual(p1, p2);
    assert.deepEqual(kept(p1), ['c']);
    assert.deepEqual(deleted(p1), ['b', 'a']);
  });

  void it('rejects bad rules, a bad clock and duplicate names', () => {
    assert.throws(() => plan([ready(1)], { keepLast: -1 }), RangeError);
    assert.throws(() => plan([ready(1)], { keepDaily: 1.5 }), RangeError);
    assert.throws(() => plan([ready(1)], { maxAgeMs: 0 }), RangeError);
    assert.throws(() => plan([ready(1), ready(1)], {}), /appears twice/);
    assert.throws(() => planRetention({ snapshots: [], rules: {}, now: new Date(Number.NaN) }), RangeError);
  });

  void it('plans an empty volume', () => {
    assert.deepEqual(plan([], { keepLast: 3 }), { keep: [], delete: [] });
  });
});

void describe('retention adapters', () => {
  void it('takes the rules from the KOM model', () => {
    assert.deepEqual(retentionRulesFrom(undefined), {});
    assert.deepEqual(retentionRulesFrom({ keepLast: 8, keepDaily: 7, maxAge: '90d', maxAgeMs: 90 * DAY }), {
      keepLast: 8,
      keepDaily: 7,
      maxAgeMs: 90 * DAY,
    });
  });

  void it('maps driver snapshot states', () => {
    const createdAt = NOW.toISOString();
    const candidates = retentionCandidatesFrom(
      [
        { name: 'a', createdAt, ready: true, state: 'ready' },
        { name: 'b', createdAt, ready: false, state: 'creating' },
        { name: 'c', createdAt, ready: false, state: 'failed' },
        { name: 'd', createdAt, ready: true, state: 'deleting' },
      ],
      new Set(['c']),
    );
    assert.deepEqual(
      candidates.map((c) => [c.name, c.ready, c.inProgress, c.inUse]),
      [
        ['a', true, false, false],
        ['b', false, true, false],
        ['c', false, false, true],
        ['d', false, false, false],
      ],
    );
  });
});

void describe('calendar buckets', () => {
  void it('reads days in a time zone', () => {
    const t = Date.parse('2025-03-20T23:30:00Z');
    assert.equal(dayKey(t, 'UTC'), '2025-03-20');
    assert.equal(dayKey(t, 'Europe/Berlin'), '2025-03-21');
    assert.equal(dayKey(t, 'America/Los_Angeles'), '2025-03-20');
    assert.equal(dayKey(Date.parse('2025-03-20T10:00:00Z'), 'Pacific/Kiritimati'), '2025-03-21');
  });

  void it('numbers ISO weeks across year ends', () => {
    const week = (iso: string, tz = 'UTC') => isoWeekKey(Date.parse(iso), tz);
    assert.equal(week('2025-03-20T12:00:00Z'), '2025-W12');
    assert.equal(week('2024-12-30T12:00:00Z'), '2025-W01'); // Monday of 2025's week 1
    assert.equal(week('2021-01-03T12:00:00Z'), '2020-W53'); // Sunday
    assert.equal(week('2021-01-04T00:30:00Z'), '2021-W01');
    assert.equal(week('2021-01-04T00:30:00Z', 'America/New_York'), '2020-W53'); // still Sunday there
    assert.equal(week('2026-12-31T12:00:00Z'), '2026-W53');
  });
});
