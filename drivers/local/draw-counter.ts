// A counter kept in a file and shared by every driver, in every process, on one state dir: the
// index of the next seeded fault draw. Drivers are built per activity attempt; without a shared
// index each attempt would replay the seeded sequence from its start, so a fault on a first call
// would repeat on every retry. Synchronous (fault checks are), and only used when a seed is set.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { tempPathFor } from './atomic-file';

const STALE_MS = 10_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** mkdir is atomic: the holder owns `<file>.lock`; a lock older than STALE_MS was left by a killed process. */
function lock(path: string): void {
  for (;;) {
    try {
      mkdirSync(path);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let age = 0;
    try {
      age = Date.now() - statSync(path).mtimeMs;
    } catch {
      // Released meanwhile.
    }
    if (age > STALE_MS) rmSync(path, { recursive: true, force: true });
    else Atomics.wait(pause, 0, 0, 2);
  }
}

/** Returns the counter's value (0 when the file is new) and stores it plus one. */
export function takeNextIndex(file: string): number {
  mkdirSync(dirname(file), { recursive: true });
  const lockPath = `${file}.lock`;
  lock(lockPath);
  try {
    let n = 0;
    try {
      n = Number.parseInt(readFileSync(file, 'utf8'), 10) || 0;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const tmp = tempPathFor(file);
    writeFileSync(tmp, String(n + 1));
    renameSync(tmp, file);
    return n;
  } finally {
    rmSync(lockPath, { recursive: true, force: true });
  }
}
