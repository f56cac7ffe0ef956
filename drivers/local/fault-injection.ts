// Injectable latency and transient faults, so tests and benchmarks can make the local provider
// behave like a slow, flaky cloud without a cloud.
//
// LOCAL_LATENCY_MS="createDisk=2000,createSnapshot=500,*=0"
//   For a long operation (createDisk, deleteDisk, createSnapshot, deleteSnapshot, copySnapshot,
//   forceDetach, fenceNode) this is how long it stays in progress after begin*; for any other
//   call (getDisk, listDisks, poll, ...) the call itself sleeps this long. `*` is the default.
//   `archiveMiB=ms` is different: extra time per MiB while a disk is archived into a snapshot
//   or a snapshot extracted into a disk (a slow disk), inside whichever call does that work;
//   `*` does not set it.
// LOCAL_FAULTS="createDisk=0.3,createDisk.after=0.1,*=0"
//   `op=p` throws a Transient error with probability p before the call does anything;
//   `op.after=p` throws after the call's effect is durable (the cloud did it but the reply was
//   lost), which is what idempotency keys exist for.
// LOCAL_FAULT_SEED=<integer> makes the fault sequence repeatable. The sequence runs on across
//   driver instances of one state dir (a draw counter in the provider's directory), so a retried
//   activity gets the next draws instead of replaying the first ones; a fresh state dir with
//   the same seed and the same calls sees the same faults.

import { DriverError, invalidArgument } from '../errors';
import { takeNextIndex } from './draw-counter';

export type OpNumbers = Record<string, number>;

export interface FaultSettings {
  latencyMs?: OpNumbers;
  faults?: OpNumbers;
  seed?: number;
}

/** Parses "a=1,b=2.5,*=0" into a map; throws InvalidArgument naming the setting on bad input. */
export function parseOpNumbers(spec: string | undefined, setting: string): OpNumbers {
  const out: OpNumbers = {};
  for (const part of (spec ?? '').split(',')) {
    if (part.trim() === '') continue;
    const [op = '', value = ''] = part.split('=').map((s) => s.trim());
    const n = Number(value);
    if (!/^(\*|[A-Za-z]+(\.after)?)$/.test(op) || value === '' || !Number.isFinite(n) || n < 0) {
      throw invalidArgument(`${setting}: cannot read "${part}" (expected op=number)`);
    }
    out[op] = n;
  }
  return out;
}

/**
 * The n-th output (from 0) of mulberry32 seeded with `seed`: a tiny PRNG whose state after n
 * steps is seed + (n + 1) * 0x6d2b79f5, so any draw can be computed from its index alone.
 */
function seededDraw(seed: number, n: number): number {
  const a = ((seed >>> 0) + Math.imul(n + 1, 0x6d2b79f5)) >>> 0;
  let t = a;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

export class FaultInjector {
  private readonly latency: OpNumbers;
  private readonly faults: OpNumbers;
  private readonly random: () => number;

  /** `drawCounterFile`: where seeded draws are counted across instances; in memory when omitted. */
  constructor(settings: FaultSettings = {}, drawCounterFile?: string) {
    this.latency = settings.latencyMs ?? {};
    this.faults = settings.faults ?? {};
    for (const [op, p] of Object.entries(this.faults)) {
      if (p > 1) throw invalidArgument(`LOCAL_FAULTS: probability for ${op} must be between 0 and 1`);
    }
    const seed = settings.seed;
    let next = 0;
    this.random =
      seed === undefined
        ? Math.random
        : () => seededDraw(seed, drawCounterFile === undefined ? next++ : takeNextIndex(drawCounterFile));
  }

  latencyMs(op: string): number {
    return this.latency[op] ?? this.latency['*'] ?? 0;
  }

  /** Extra milliseconds per MiB of archive or extract stream (`archiveMiB`). */
  archiveMsPerMiB(): number {
    return this.latency.archiveMiB ?? 0;
  }

  /** Sleeps for the op's latency (used by calls that are not long operations). */
  async delay(op: string): Promise<void> {
    const ms = this.latencyMs(op);
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Throws a Transient DriverError with the configured probability. */
  maybeFail(op: string, phase: 'before' | 'after' = 'before'): void {
    const key = phase === 'after' ? `${op}.after` : op;
    const p = this.faults[key] ?? (phase === 'before' ? this.faults['*'] : undefined) ?? 0;
    if (p > 0 && this.random() < p) {
      throw new DriverError('Transient', `injected fault in ${op} (${phase})`, {
        details: { injected: true, op, phase },
      });
    }
  }
}
