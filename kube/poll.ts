// Polling with a deadline. Waits on cluster state read with GETs rather than watches: a GET is
// always current, and a missed watch event cannot leave a waiter hanging.
import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  timeoutMs: number;
  /** The wait between checks (500 ms), or the longest one when `firstIntervalMs` is set. */
  intervalMs?: number;
  /** Checks soon at first, then half as long again each time up to `intervalMs`. */
  firstIntervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Calls `check` until it returns a value other than undefined. On timeout throws
 * "timed out after Ns waiting for <what>" with `lastState()` appended, so the error says where it stuck.
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  opts: PollOptions & { lastState?: () => string | undefined },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const longest = opts.intervalMs ?? 500;
  let interval = Math.min(opts.firstIntervalMs ?? longest, longest);
  for (;;) {
    opts.signal?.throwIfAborted();
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() + interval > deadline) {
      const state = opts.lastState?.();
      throw new Error(
        `timed out after ${Math.round(opts.timeoutMs / 1000)}s waiting for ${what}${state ? ` (last: ${state})` : ''}`,
      );
    }
    await sleep(interval, undefined, opts.signal ? { signal: opts.signal } : undefined);
    interval = Math.min(longest, Math.round(interval * 1.5));
  }
}
