// Property test for planRetention: random histories, flags and rules from a seeded PRNG; each
// rule recomputed here in the plainest way (different day/week code than the implementation).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  planRetention,
  type RetentionCandidate,
  type RetentionRules,
} from '../../../workflows/snapshot-policy';
import { prng } from '../../helpers/prng';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'Australia/Lord_Howe',
];

interface Case {
  now: Date;
  timeZone: string;
  rules: RetentionRules;
  snapshots: RetentionCandidate[];
}

function randomCase(rand: () => number): Case {
  const int = (n: number) => Math.floor(rand() * n);
  // Around DST changes in March and October, and a year end.
  const nows = [
    '2025-03-31T06:00:00Z',
    '2025-10-27T23:59:00Z',
    '2026-01-02T03:00:00Z',
    '2024-02-29T12:00:00Z',
  ];
  const now = new Date(nows[int(nows.length)] as string);
  const count = int(40);
  const snapshots: RetentionCandidate[] = [];
  let t = now.getTime() - int(2 * HOUR);
  for (let i = 0; i < count; i++) {
    // Mostly regular gaps, sometimes bursts (same minute: equal times) and long pauses.
    const r = rand();
    t -= r < 0.1 ? 0 : r < 0.6 ? int(8 * HOUR) : r < 0.9 ? int(2 * DAY) : int(20 * DAY);
    if (rand() < 0.05) t = now.getTime() + int(HOUR); // clock skew: from the future
    const flag = rand();
    snapshots.push({
      name: `snap-${i}`,
      createdAt: new Date(t).toISOString(),
      ready: flag < 0.75,
      ...(flag >= 0.75 && flag < 0.85 ? { inProgress: true } : {}),
      ...(rand() < 0.05 ? { inUse: true } : {}),
    });
  }
  const rules: RetentionRules = {};
  if (rand() < 0.5) rules.keepLast = int(6);
  if (rand() < 0.5) rules.keepDaily = int(8);
  if (rand() < 0.5) rules.keepWeekly = int(5);
  if (rand() < 0.5) rules.maxAgeMs = 1 + int(30 * DAY);
  return { now, timeZone: ZONES[int(ZONES.length)] as string, rules, snapshots };
}

// --- the rules, recomputed plainly ---------------------------------------------------------

const time = (s: RetentionCandidate) => Date.parse(s.createdAt);
/** Newest first; equal times: greater name first (the documented tie-break). */
const byNewest = (a: RetentionCandidate, b: RetentionCandidate) =>
  time(b) - time(a) || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0);

/** `YYYY-MM-DD` via the Swedish locale, which formats dates ISO-style. */
function localDay(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(ms));
}

/** An ISO week is named by the date of its Monday. */
function localMonday(ms: number, timeZone: string): string {
  const day = localDay(ms, timeZone);
  const midnight = Date.parse(`${day}T00:00:00Z`);
  const sinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
  return new Date(midnight - sinceMonday * DAY).toISOString().slice(0, 10);
}

function newestOfBuckets(ready: RetentionCandidate[], n: number, key: (ms: number) => string): Set<string> {
  const newest = new Map<string, RetentionCandidate>();
  for (const s of ready) {
    const k = key(time(s));
    const cur = newest.get(k);
    if (!cur || byNewest(s, cur) < 0) newest.set(k, s);
  }
  return new Set(
    [...newest.values()]
      .sort(byNewest)
      .slice(0, n)
      .map((s) => s.name),
  );
}

/** What each rule keeps on its own (count rules before the maxAge cap). */
function ruleSelections(c: Case): { count: Set<string>; young: Set<string> } {
  const ready = c.snapshots.filter((s) => s.ready).sort(byNewest);
  const count = new Set<string>();
  const add = (names: Iterable<string>) => {
    for (const n of names) count.add(n);
  };
  if (c.rules.keepLast !== undefined) add(ready.slice(0, c.rules.keepLast).map((s) => s.name));
  if (c.rules.keepDaily !== undefined)
    add(newestOfBuckets(ready, c.rules.keepDaily, (t) => localDay(t, c.timeZone)));
  if (c.rules.keepWeekly !== undefined)
    add(newestOfBuckets(ready, c.rules.keepWeekly, (t) => localMonday(t, c.timeZone)));
  const maxAge = c.rules.maxAgeMs;
  const young = new Set(
    ready.filter((s) => maxAge === undefined || c.now.getTime() - time(s) < maxAge).map((s) => s.name),
  );
  return { count, young };
}

void describe('planRetention properties', () => {
  void it('holds for 500 random histories', () => {
    const rand = prng(20250320);
    let deletions = 0;
    for (let run = 0; run < 500; run++) {
      const c = randomCase(rand);
      const plan = planRetention(c);
      const keep = new Set(plan.keep.map((k) => k.name));
      const del = new Set(plan.delete.map((d) => d.name));
      const where = `run ${run}: ${JSON.stringify({ ...c, plan })}`;
      deletions += del.size;

      // (d) keep and delete partition the input.
      assert.equal(keep.size + del.size, c.snapshots.length, where);
      for (const s of c.snapshots) assert.ok(keep.has(s.name) !== del.has(s.name), where);

      // (a) the newest ready snapshot survives.
      const newestReady = c.snapshots.filter((s) => s.ready).sort(byNewest)[0];
      if (newestReady) assert.ok(keep.has(newestReady.name), `newest ready deleted; ${where}`);

      // (c) not ready, in progress, in use: never deleted, except failed ones older than the
      // newest ready snapshot.
      for (const s of c.snapshots) {
        if (s.inUse || s.inProgress) assert.ok(keep.has(s.name), `${s.name} in use/in progress; ${where}`);
        if (!s.ready && del.has(s.name)) {
          assert.ok(newestReady && time(s) < time(newestReady), `${s.name} failed but not older; ${where}`);
        }
      }

      // (b) nothing a rule keeps is deleted; and (exactness) a ready snapshot no rule keeps is
      // deleted unless protected.
      const { count, young } = ruleSelections(c);
      const hasCount = ['keepLast', 'keepDaily', 'keepWeekly'].some(
        (k) => c.rules[k as keyof RetentionRules] !== undefined,
      );
      const noRules = !hasCount && c.rules.maxAgeMs === undefined;
      for (const s of c.snapshots) {
        const byRule = noRules || (hasCount ? count.has(s.name) && young.has(s.name) : young.has(s.name));
        if (byRule) assert.ok(keep.has(s.name), `${s.name} kept by a rule but deleted; ${where}`);
        const protectedOne = s === newestReady || s.inUse || s.inProgress;
        if (s.ready && !byRule && !protectedOne) {
          assert.ok(del.has(s.name), `${s.name} kept without a reason; ${where}`);
        }
      }
      // maxAge caps the count rules: a ready, unprotected snapshot older than maxAge goes.
      if (c.rules.maxAgeMs !== undefined) {
        for (const s of c.snapshots) {
          if (s.ready && s !== newestReady && !s.inUse && !young.has(s.name)) {
            assert.ok(del.has(s.name), `${s.name} older than maxAge kept; ${where}`);
          }
        }
      }
    }
    // The generator must actually exercise deletion.
    assert.ok(deletions > 1000, `only ${deletions} deletions`);
  });
});
