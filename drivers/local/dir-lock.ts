// A short-lived exclusive lock on one record directory, so read-modify-write updates of a
// meta.json from several processes (assign, attach, completing a create) never lose each
// other's changes, and a delete cannot interleave with an update and resurrect the record.
//
// The lock is the directory `<dir>/.lock`: mkdir(2) is atomic and fails with EEXIST while
// another holder has it. Holders keep it for milliseconds (one read, one atomic write). A lock
// left behind by a killed process is broken once it is older than `staleMs`; two processes
// breaking the same stale lock at the same instant could both enter, which we accept for a
// development provider (it needs a SIGKILL inside a millisecond window first).

import { promises as fs } from 'node:fs';
import { join } from 'node:path';

const LOCK_NAME = '.lock';

export interface DirLockOptions {
  staleMs?: number;
  retryMs?: number;
}

/**
 * Runs `fn` holding the lock of `dir`. Returns undefined without running `fn` when `dir` does
 * not exist (the record is gone). `fn` may move the whole directory away (a delete); the lock
 * then leaves with it and needs no release.
 */
export async function withDirLock<T>(
  dir: string,
  fn: () => Promise<T>,
  options: DirLockOptions = {},
): Promise<T | undefined> {
  const lock = join(dir, LOCK_NAME);
  const staleMs = options.staleMs ?? 10_000;
  for (;;) {
    try {
      await fs.mkdir(lock);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code !== 'EEXIST') throw err;
    }
    const age = await fs.stat(lock).then(
      (st) => Date.now() - st.mtimeMs,
      () => 0,
    );
    if (age > staleMs) await fs.rm(lock, { recursive: true, force: true });
    else await new Promise((resolve) => setTimeout(resolve, options.retryMs ?? 2));
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lock, { recursive: true, force: true });
  }
}
