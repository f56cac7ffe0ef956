// Deterministic snapshot names and idempotency keys (DESIGN.md principle 4, §6 Snapshot).
//
// Snapshot names are scoped to an app volume (drivers address them by app + volume + name, and
// the Azure resource name already embeds the volume), so the volume is not repeated in the name;
// that keeps every name within the reference's limit of 24 characters (kompox-reference.md §2.3,
// DNS-1123 label) whatever the volume is called.
//
// - Scheduled run: `s<yyyymmdd>-<hhmmss>` of the run's SCHEDULED (nominal) time in UTC, e.g.
//   `s20250307-171700` (16 chars). A retried or duplicated run for the same slot names the same
//   snapshot; seconds keep `@every 30s` slots apart. Pass the nominal time, not the jittered
//   actual start time.
// - On demand: from the operation id. Controller ids start with a UTC stamp
//   (`20250307171700-snapshot-...`), giving `o<yyyymmdd>-<hhmmss>-<hash4>` (21 chars);
//   any other id gives `o-<hash12>` (14 chars). The hash is FNV-1a 64 of the whole id, base36.

export const SNAPSHOT_NAME_MAX_LENGTH = 24;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export type SnapshotTrigger =
  { kind: 'scheduled'; scheduledTime: Date } | { kind: 'onDemand'; operationId: string };

export function isValidSnapshotName(name: string): boolean {
  return name.length <= SNAPSHOT_NAME_MAX_LENGTH && DNS_LABEL.test(name);
}

function utcStamp(time: Date): string {
  const ms = time.getTime();
  if (Number.isNaN(ms)) throw new RangeError('scheduled time is not a valid date');
  // `2025-03-07T17:17:00.000Z` → `20250307-171700`
  const iso = new Date(ms).toISOString();
  if (iso.length !== 24) throw new RangeError(`scheduled time ${iso} is outside years 0000-9999`);
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/** `2025-03-07T17:17:00Z`: the scheduled time to the second, as used in idempotency keys. */
function utcSeconds(time: Date): string {
  utcStamp(time); // validates
  return `${time.toISOString().slice(0, 19)}Z`;
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;

/** FNV-1a 64 over UTF-16 code units, base36, left-padded to 13 chars (2^64 < 36^13). */
function hash36(text: string): string {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * FNV_PRIME) & MASK_64;
  }
  return h.toString(36).padStart(13, '0');
}

const CONTROLLER_STAMP = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?!\d)/;

export function scheduledSnapshotName(scheduledTime: Date): string {
  return `s${utcStamp(scheduledTime)}`;
}

export function onDemandSnapshotName(operationId: string): string {
  if (operationId === '') throw new RangeError('operation id must not be empty');
  const hash = hash36(operationId);
  const m = CONTROLLER_STAMP.exec(operationId);
  if (m) return `o${m[1]}${m[2]}${m[3]}-${m[4]}${m[5]}${m[6]}-${hash.slice(-4)}`;
  return `o-${hash.slice(-12)}`;
}

export function snapshotNameFor(trigger: SnapshotTrigger): string {
  return trigger.kind === 'scheduled'
    ? scheduledSnapshotName(trigger.scheduledTime)
    : onDemandSnapshotName(trigger.operationId);
}

/**
 * `<appId>/<scheduled time or operation id>/<volume>/snapshot`, e.g.
 * `/ws/w/prv/p/cls/c/app/a/2025-03-07T17:17:00Z/db/snapshot` or
 * `/ws/w/prv/p/cls/c/app/a/20250307171700-snapshot-create-1a2b3c/db/snapshot`.
 * A scheduled key depends only on the slot, not on the operation that runs it, so two runs for
 * the same slot (a retry, a manual trigger racing the schedule) create one snapshot.
 */
export function snapshotIdempotencyKey(appId: string, trigger: SnapshotTrigger, volume: string): string {
  if (appId === '' || volume === '') throw new RangeError('app id and volume must not be empty');
  const slot = trigger.kind === 'scheduled' ? utcSeconds(trigger.scheduledTime) : trigger.operationId;
  if (slot === '') throw new RangeError('operation id must not be empty');
  return `${appId}/${slot}/${volume}/snapshot`;
}

/**
 * The key of a snapshot's copy to `region`: the snapshot's own key plus the region, e.g.
 * `/ws/w/prv/p/cls/c/app/a/2025-03-07T17:17:00Z/db/copy/eu-west-1`. Like the snapshot's, it
 * depends on the slot of a scheduled run, so two runs for one slot make one copy.
 */
export function snapshotCopyIdempotencyKey(
  appId: string,
  trigger: SnapshotTrigger,
  volume: string,
  region: string,
): string {
  if (region === '') throw new RangeError('region must not be empty');
  return `${snapshotIdempotencyKey(appId, trigger, volume).replace(/\/snapshot$/, '')}/copy/${region}`;
}
