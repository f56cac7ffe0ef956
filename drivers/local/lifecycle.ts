// The state machine disks and snapshots share, on top of RecordStore:
//
//   (key claimed) → creating ──due & data complete──→ ready ──delete──→ deleting ──due──→ gone
//                          └──data failed─────────→ failed
//
// Creation is two exclusive claims (key → name, then name → record), so any number of racing
// or retried callers with one idempotency key converge on one record. Completion runs when a
// caller looks at a due record; it is idempotent, so a crash or a second completer is harmless.

import { DriverError } from '../errors';
import type { RecordStore, StoredRecord } from './record-store';
import type { LifecycleFields } from './records';

type Rec = StoredRecord & LifecycleFields;
type Ref = { app: string; volume: string; name: string };

function alreadyExists(rec: Ref): DriverError {
  return new DriverError('AlreadyExists', `${rec.app}/${rec.volume}/${rec.name} already exists`);
}

/**
 * Binds an idempotency key to a name (first caller wins) and returns the bound name plus the
 * record already created under it by an earlier call with the same key, if any.
 */
export async function claimKey<T extends Rec>(
  store: RecordStore<T>,
  ref: { app: string; volume: string },
  keyDigest: string,
  name: string,
  requestHash: string,
): Promise<{ name: string; earlier?: T }> {
  const claim = await store.claimKey(keyDigest, { name, requestHash });
  if (claim.requestHash !== requestHash) {
    throw new DriverError(
      'Conflict',
      `idempotency key was already used for a different request (${ref.app}/${ref.volume}/${claim.name})`,
    );
  }
  const earlier = await store.read({ ...ref, name: claim.name });
  if (earlier !== undefined && earlier.keyDigest !== keyDigest) throw alreadyExists(earlier);
  return earlier === undefined ? { name: claim.name } : { name: claim.name, earlier };
}

/** Publishes a new `creating` record; a concurrent caller with the same key may have won, which is fine. */
export async function claimRecord<T extends Rec>(store: RecordStore<T>, record: T): Promise<void> {
  const result = await store.claim(record);
  if (!result.claimed && result.existing.keyDigest !== record.keyDigest) throw alreadyExists(record);
}

/**
 * Completes whatever transition of `rec` is due and returns the record as it is now, or
 * undefined once it is deleted. `complete` builds the data; `isComplete` says whether the
 * fresh record shows it built.
 */
export async function settle<T extends Rec>(
  store: RecordStore<T>,
  rec: T,
  complete: (rec: T) => Promise<void>,
  isComplete: (rec: T) => boolean = () => true,
): Promise<T | undefined> {
  const now = Date.now();
  if (rec.state === 'deleting' && now >= (rec.deleteAt ?? 0)) {
    await store.remove(rec);
    return undefined;
  }
  if (rec.state !== 'creating' || now < rec.readyAt) return rec;
  let failure: LifecycleFields['failure'];
  try {
    await complete(rec);
  } catch (err) {
    failure = asFailure(err);
  }
  return store.mutate(rec, (r) => {
    if (r.state !== 'creating') return;
    if (failure === undefined && !isComplete(r)) failure = { code: 'Conflict', message: 'data incomplete' };
    r.state = failure === undefined ? 'ready' : 'failed';
    if (failure !== undefined) r.failure = failure;
    r.updatedAt = new Date().toISOString();
  });
}

/** Moves a record to `deleting`; removes it at once when no delete latency is configured. */
export async function startDeleting<T extends Rec>(
  store: RecordStore<T>,
  ref: Ref,
  latencyMs: number,
): Promise<void> {
  const deleteAt = Date.now() + latencyMs;
  const rec = await store.mutate(ref, (r) => {
    r.state = 'deleting';
    r.deleteAt = deleteAt;
    r.updatedAt = new Date().toISOString();
  });
  if (rec !== undefined && latencyMs <= 0) await store.remove(rec);
}

/** How a failure is kept in the record: driver errors keep their code, file-system errors get one. */
function asFailure(err: unknown): { code: DriverError['code']; message: string } {
  if (err instanceof DriverError) return { code: err.code, message: err.message };
  const code = (err as NodeJS.ErrnoException).code;
  return { code: code === 'ENOENT' ? 'NotFound' : 'Conflict', message: (err as Error).message };
}

/** The lifecycle fields of a record that is being created now and completes after `latencyMs`. */
export function creatingFields(
  name: string,
  keyDigest: string,
  requestHash: string,
  latencyMs: number,
): Pick<Rec, 'name' | 'keyDigest' | 'requestHash' | 'createdAt' | 'updatedAt' | 'state' | 'readyAt'> {
  const now = new Date();
  return {
    name,
    keyDigest,
    requestHash,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    state: 'creating',
    readyAt: now.getTime() + latencyMs,
  };
}
