// Which snapshots of ONE volume to keep and which to delete (DESIGN.md §6 Snapshot and Prune).
// Pure and deterministic: `now` comes from the caller (workflow time), no I/O.
//
// Semantics, in order:
//
// 1. Protected, whatever the rules say (DESIGN.md principle 6 "nothing lost"):
//    - the newest READY snapshot (`newest-ready`);
//    - snapshots still being created (`in-progress`) or in use by a restore (`in-use`);
//    - a ready snapshot whose `createdAt` cannot be parsed (`unknown-age`);
//    - a failed snapshot (not ready, not in progress) unless it is older than the newest ready
//      one (`failed-after-newest-ready`): it is the evidence of the latest failure, and it is
//      released by the next ready snapshot. With no ready snapshot at all, failed ones stay.
// 2. No rule at all (`rules` empty): everything is kept (`no-rules`).
// 3. Count rules select among READY snapshots only (so failed or pending ones never push a good
//    snapshot out, unlike snapscheduler#688):
//    - keepLast N: the N newest;
//    - keepDaily N: the newest of each of the N most recent calendar days that have one;
//    - keepWeekly N: the same per ISO week (Monday first).
//    Days and weeks are read on the wall clock of `timeZone` (the schedule's, default UTC).
//    A count of 0 is a rule that selects nothing.
// 4. maxAge is an age LIMIT, as its name and the KOM model say ("snapshots older than this are
//    pruned"), like snapscheduler's `expires` and Velero's TTL:
//    - with count rules, a snapshot they select is kept only while younger than maxAge;
//    - alone, it keeps every ready snapshot younger than maxAge (`maxAge`).
//    Age is `now - createdAt`; "younger" is strictly less than maxAgeMs.
// 5. Everything not kept by 1-4 is deleted: failed snapshots older than the newest ready one
//    (`failed`), ready ones older than maxAge (`expired`), the rest (`unselected`).
//
// Ties in `createdAt` are broken by name (the greater name counts as newer), so the plan never
// depends on input order.
//
// Regions: a volume's snapshots in different regions (its originals, and their off-region copies
// made for spec.snapshots.copyToRegion) are planned separately with the same rules, as if each
// region were its own volume: each region keeps its own newest ready snapshot, keepLast N keeps
// N in each, and a copy's age counts from when the copy was made. A recovery in either region
// so always has what the rules promise there, and pruning the originals never takes the last
// copy (or the other way round).
import type { SnapshotRetention } from '../../kom/model/snapshot-policy';
import type { Snapshot } from '../../drivers/driver';
import { dayKey, isoWeekKey } from './calendar';

export interface RetentionCandidate {
  name: string;
  /** ISO 8601 instant. */
  createdAt: string;
  ready: boolean;
  /** Still being created (driver state `creating`). */
  inProgress?: boolean;
  /** A restore (or copy) is reading it right now. */
  inUse?: boolean;
  /** Where it lives; candidates of different regions are planned separately. */
  region?: string;
}

export interface RetentionRules {
  keepLast?: number;
  keepDaily?: number;
  keepWeekly?: number;
  maxAgeMs?: number;
}

export type KeepReason =
  | 'newest-ready'
  | 'in-progress'
  | 'in-use'
  | 'unknown-age'
  | 'failed-after-newest-ready'
  | 'no-rules'
  | 'keepLast'
  | 'keepDaily'
  | 'keepWeekly'
  | 'maxAge';

export type DeleteReason = 'failed' | 'expired' | 'unselected';

export interface RetentionPlan {
  /** Newest first. */
  keep: { name: string; reasons: KeepReason[] }[];
  /** Newest first. */
  delete: { name: string; reason: DeleteReason }[];
}

export interface PlanRetentionInput {
  snapshots: readonly RetentionCandidate[];
  rules: RetentionRules;
  now: Date;
  /** IANA zone for keepDaily/keepWeekly buckets; UTC when omitted. */
  timeZone?: string;
}

interface Entry {
  snapshot: RetentionCandidate;
  time: number;
  reasons: KeepReason[];
}

/** Newest first; NaN times last; equal times by name, greater first. */
function newestFirst(a: Pick<Entry, 'snapshot' | 'time'>, b: Pick<Entry, 'snapshot' | 'time'>): number {
  const ta = Number.isNaN(a.time) ? -Infinity : a.time;
  const tb = Number.isNaN(b.time) ? -Infinity : b.time;
  if (ta !== tb) return tb - ta;
  return a.snapshot.name < b.snapshot.name ? 1 : a.snapshot.name > b.snapshot.name ? -1 : 0;
}

function checkCount(rules: RetentionRules, key: 'keepLast' | 'keepDaily' | 'keepWeekly'): void {
  const n = rules[key];
  if (n !== undefined && !(Number.isSafeInteger(n) && n >= 0)) {
    throw new RangeError(`retention ${key} must be a whole number >= 0, got ${n}`);
  }
}

/** The newest entry of each of the `count` most recent buckets (entries are newest first). */
function newestPerBucket(
  entries: readonly Entry[],
  count: number,
  bucket: (time: number) => string,
): Entry[] {
  const seen = new Set<string>();
  const picked: Entry[] = [];
  for (const entry of entries) {
    if (picked.length >= count) break;
    const key = bucket(entry.time);
    if (seen.has(key)) continue;
    seen.add(key);
    picked.push(entry);
  }
  return picked;
}

export function planRetention(input: PlanRetentionInput): RetentionPlan {
  const regionOf = (s: RetentionCandidate): string => s.region ?? '';
  const regions = [...new Set(input.snapshots.map(regionOf))].sort();
  if (regions.length <= 1) return planOneRegion(input);
  checkUniqueNames(input.snapshots);
  const plans = regions.map((r) =>
    planOneRegion({ ...input, snapshots: input.snapshots.filter((s) => regionOf(s) === r) }),
  );
  // One plan, newest first across regions (the order planOneRegion uses within one).
  const entries = input.snapshots
    .map((snapshot) => ({ snapshot, time: Date.parse(snapshot.createdAt) }))
    .sort(newestFirst);
  const rank = new Map(entries.map((e, i) => [e.snapshot.name, i]));
  const byRank = (a: { name: string }, b: { name: string }) => rank.get(a.name)! - rank.get(b.name)!;
  return {
    keep: plans.flatMap((p) => p.keep).sort(byRank),
    delete: plans.flatMap((p) => p.delete).sort(byRank),
  };
}

function checkUniqueNames(snapshots: readonly RetentionCandidate[]): void {
  const names = new Set<string>();
  for (const s of snapshots) {
    if (names.has(s.name))
      throw new RangeError(`planRetention: snapshot name ${JSON.stringify(s.name)} appears twice`);
    names.add(s.name);
  }
}

function planOneRegion(input: PlanRetentionInput): RetentionPlan {
  const { rules } = input;
  const now = input.now.getTime();
  const timeZone = input.timeZone ?? 'UTC';
  if (Number.isNaN(now)) throw new RangeError('planRetention: now is not a valid date');
  checkCount(rules, 'keepLast');
  checkCount(rules, 'keepDaily');
  checkCount(rules, 'keepWeekly');
  if (rules.maxAgeMs !== undefined && !(rules.maxAgeMs > 0)) {
    throw new RangeError(`retention maxAgeMs must be > 0, got ${rules.maxAgeMs}`);
  }
  checkUniqueNames(input.snapshots);

  const entries: Entry[] = input.snapshots
    .map((snapshot) => ({ snapshot, time: Date.parse(snapshot.createdAt), reasons: [] as KeepReason[] }))
    .sort(newestFirst);
  const ready = entries.filter((e) => e.snapshot.ready && !Number.isNaN(e.time));
  const newestReady = ready[0];

  // 1. Protection.
  if (newestReady) newestReady.reasons.push('newest-ready');
  for (const e of entries) {
    const s = e.snapshot;
    if (s.inProgress) e.reasons.push('in-progress');
    if (s.inUse) e.reasons.push('in-use');
    if (Number.isNaN(e.time)) e.reasons.push('unknown-age');
    else if (!s.ready && !s.inProgress && !(newestReady !== undefined && e.time < newestReady.time)) {
      e.reasons.push('failed-after-newest-ready');
    }
  }

  const { keepLast, keepDaily, keepWeekly, maxAgeMs } = rules;
  const hasCountRule = keepLast !== undefined || keepDaily !== undefined || keepWeekly !== undefined;
  const youngEnough = (e: Entry): boolean => maxAgeMs === undefined || now - e.time < maxAgeMs;

  if (!hasCountRule && maxAgeMs === undefined) {
    // 2. No rules: keep everything.
    for (const e of entries) e.reasons.push('no-rules');
  } else if (hasCountRule) {
    // 3. Count rules, capped by 4. maxAge.
    const selections: [KeepReason, Entry[]][] = [];
    if (keepLast !== undefined) selections.push(['keepLast', ready.slice(0, keepLast)]);
    if (keepDaily !== undefined) {
      selections.push(['keepDaily', newestPerBucket(ready, keepDaily, (t) => dayKey(t, timeZone))]);
    }
    if (keepWeekly !== undefined) {
      selections.push(['keepWeekly', newestPerBucket(ready, keepWeekly, (t) => isoWeekKey(t, timeZone))]);
    }
    for (const [reason, picked] of selections) {
      for (const e of picked) if (youngEnough(e)) e.reasons.push(reason);
    }
  } else {
    // 4. maxAge alone.
    for (const e of ready) if (youngEnough(e)) e.reasons.push('maxAge');
  }

  // 5. The plan.
  const plan: RetentionPlan = { keep: [], delete: [] };
  for (const e of entries) {
    if (e.reasons.length > 0) plan.keep.push({ name: e.snapshot.name, reasons: e.reasons });
    else if (!e.snapshot.ready) plan.delete.push({ name: e.snapshot.name, reason: 'failed' });
    else plan.delete.push({ name: e.snapshot.name, reason: youngEnough(e) ? 'unselected' : 'expired' });
  }
  return plan;
}

/** The rules of a KOM `spec.snapshots.retention` (absent → no rules → nothing is deleted). */
export function retentionRulesFrom(retention: SnapshotRetention | undefined): RetentionRules {
  const rules: RetentionRules = {};
  if (retention?.keepLast !== undefined) rules.keepLast = retention.keepLast;
  if (retention?.keepDaily !== undefined) rules.keepDaily = retention.keepDaily;
  if (retention?.keepWeekly !== undefined) rules.keepWeekly = retention.keepWeekly;
  if (retention?.maxAgeMs !== undefined) rules.maxAgeMs = retention.maxAgeMs;
  return rules;
}

/**
 * Driver snapshots of one volume as retention candidates: ready only when the driver says
 * `ready` in state `ready`; `creating` is in progress; `failed` and `deleting` count as failed.
 * `inUse` names the snapshots a running restore or copy reads.
 */
export function retentionCandidatesFrom(
  snapshots: readonly (Pick<Snapshot, 'name' | 'createdAt' | 'ready' | 'state'> & { region?: string })[],
  inUse: ReadonlySet<string> = new Set(),
): RetentionCandidate[] {
  return snapshots.map((s) => ({
    name: s.name,
    createdAt: s.createdAt,
    ready: s.ready && s.state === 'ready',
    inProgress: s.state === 'creating',
    inUse: inUse.has(s.name),
    ...(s.region ? { region: s.region } : {}),
  }));
}
