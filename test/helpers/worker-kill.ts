// Crashes of the dev stack's processes, for tests that prove operations survive them: the worker
// or the Temporal dev server SIGKILLed (no clean shutdown, nothing flushed) and started again
// the way `kompoxops dev up` starts it (the server on the same ports and SQLite file).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { restartTemporal, restartWorker } from '../../dev/dev-stack';
import { isRunning } from '../../dev/cluster/process';

async function killPidFile(file: string, what: string): Promise<void> {
  const pid = Number(readFileSync(file, 'utf8'));
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  while (isRunning(pid)) {
    if (Date.now() > deadline) throw new Error(`${what} (pid ${pid}) still runs 10 s after SIGKILL`);
    await sleep(20);
  }
}

/** SIGKILLs the dev stack's worker and waits until it is gone. */
export function killWorker(stackDir: string): Promise<void> {
  return killPidFile(join(stackDir, 'worker.pid'), 'the worker');
}

/** SIGKILLs the dev stack's worker and starts a new one (returns once it polls). */
export async function killAndRestartWorker(stackDir: string): Promise<void> {
  await killWorker(stackDir);
  await restartWorker(stackDir);
}

/** SIGKILLs the Temporal dev server and starts it again on its ports and database. */
export async function killAndRestartTemporal(stackDir: string): Promise<void> {
  await killPidFile(join(stackDir, 'temporal.pid'), 'the Temporal dev server');
  await restartTemporal(stackDir);
}
