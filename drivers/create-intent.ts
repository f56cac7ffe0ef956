// Intent before side effect, for creates the cloud cannot make idempotent (EBS CreateSnapshot and
// CopySnapshot take no ClientToken; OCI retry tokens expire after 24 h). The driver tags the new
// resource with the operation key, and before it calls the cloud it records an intent, which the
// activity heartbeats. A retried attempt that finds an intent, or any retried attempt at all (a
// heartbeat is not acknowledged, so it may have been lost with the worker), looks the resource up
// by its tag for a bounded time before it creates again: cloud lists are eventually consistent,
// and a snapshot made a moment before the worker died may not be listed yet.

import type { JsonObject } from './long-operation';

export type IntentKind = 'createSnapshot' | 'copySnapshot';

/** What a driver records just before a create call: plain JSON, so it can be a heartbeat. */
export interface CreateIntent {
  intent: IntentKind;
  /** The operation-key tag value the resource will carry (keyDigest of the idempotency key). */
  operationKey: string;
  /** Region the create is sent to. */
  region: string;
  /** When the create may first have reached the cloud (ISO 8601). */
  at: string;
}

/**
 * How a begin* call learns about earlier attempts and records its own intent. Without one (a
 * direct caller, a test) the driver still looks up by tag first, but cannot wait for a create it
 * does not know was attempted.
 */
export interface IntentLog {
  /** The intent an earlier attempt of this activity heartbeated, if any. */
  previous?: CreateIntent;
  /** True when this is not the first attempt (the previous one may have died before heartbeating). */
  retried: boolean;
  /** Records the intent durably enough to survive this worker (the activity heartbeats it). */
  record(intent: CreateIntent): void;
}

export interface FindOrCreate<T> {
  kind: IntentKind;
  operationKey: string;
  region: string;
  intents?: IntentLog;
  /** Looks the resource up by its operation-key tag. */
  find(): Promise<T | undefined>;
  /** The non-idempotent cloud call; the resource it makes must carry the operation-key tag. */
  create(): Promise<T>;
  /** How long a listing may lag behind a create (the bounded wait after a retry). */
  consistencyWindowMs: number;
  /** Pause between lookups during the wait. */
  lookupIntervalMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Finds what an earlier attempt created, or records the intent and creates it once. */
export async function findOrCreate<T>(args: FindOrCreate<T>): Promise<T> {
  const now = args.now ?? Date.now;
  const sleep = args.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const found = await args.find();
  if (found !== undefined) return found;
  const previous = args.intents?.previous;
  const mayHaveCreated =
    (previous !== undefined && previous.operationKey === args.operationKey) || args.intents?.retried === true;
  if (mayHaveCreated) {
    // Without a heartbeated intent the earlier attempt's call time is unknown: wait a whole window from now.
    const since = previous?.operationKey === args.operationKey ? Date.parse(previous.at) : now();
    const until = since + args.consistencyWindowMs;
    const interval = args.lookupIntervalMs ?? 1_000;
    while (now() < until) {
      await sleep(Math.min(interval, Math.max(0, until - now())));
      const late = await args.find();
      if (late !== undefined) return late;
    }
  }
  args.intents?.record({
    intent: args.kind,
    operationKey: args.operationKey,
    region: args.region,
    at: new Date(now()).toISOString(),
  });
  return args.create();
}

export function isCreateIntent(value: unknown): value is CreateIntent {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    (v.intent === 'createSnapshot' || v.intent === 'copySnapshot') &&
    typeof v.operationKey === 'string' &&
    typeof v.region === 'string' &&
    typeof v.at === 'string' &&
    !Number.isNaN(Date.parse(v.at))
  );
}

/** Picks an intent of `kind` out of heartbeat details (the same shapes resumeOperation reads). */
export function resumeIntent(details: unknown, kind: IntentKind): CreateIntent | undefined {
  const candidates = Array.isArray(details)
    ? details
    : typeof details === 'object' && details !== null && !isCreateIntent(details)
      ? Object.values(details as JsonObject)
      : [details];
  return candidates.find((c): c is CreateIntent => isCreateIntent(c) && c.intent === kind);
}
