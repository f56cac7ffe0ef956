// Background processes that outlive the CLI that started them, tracked by pid files.
//
// Each process is spawned detached (its own session, so a Ctrl-C in the terminal does not reach it)
// with stdout/stderr going straight to a log file, and unref'd so Node can exit. A pid alone can be
// reused by an unrelated process after ours died, so "is it still ours" also checks the pid's
// command line: the right executable, with the cluster dir among its arguments.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export function spawnDetached(
  bin: string,
  args: string[],
  files: { log: string; pid: string; cwd: string },
): number {
  mkdirSync(dirname(files.log), { recursive: true });
  mkdirSync(dirname(files.pid), { recursive: true });
  const fd = openSync(files.log, 'a');
  try {
    const child = spawn(bin, args, { cwd: files.cwd, detached: true, stdio: ['ignore', fd, fd] });
    // A missing or non-executable binary still yields a ChildProcess; only the pid tells.
    child.on('error', () => undefined);
    if (child.pid === undefined) throw new Error(`cannot start ${bin}: not found or not executable`);
    child.unref();
    writeFileSync(files.pid, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export function readPidFile(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function removePidFile(path: string): void {
  rmSync(path, { force: true });
}

/** How to recognise our process behind a pid: its executable's name and a string in its arguments. */
export interface ProcessIdentity {
  executable: string;
  /** E.g. the cluster dir, which every one of our command lines mentions. */
  marker: string;
}

/** True when `pid` is alive and (on Linux) runs `id.executable` with `id.marker` in its arguments. Zombies count as dead. */
export function isOurProcess(pid: number, id: ProcessIdentity): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH: gone. EPERM: alive but another user's, so not ours either.
    return false;
  }
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    // No procfs (not Linux): the signal check is all we have.
    return process.platform !== 'linux';
  }
  return basename(argv[0] ?? '') === id.executable && argv.slice(1).some((a) => a.includes(id.marker));
}

/**
 * True while `pid` runs (zombies count as dead). For a child just spawned, where
 * `isOurProcess` can still see the parent's command line in the moment before exec.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return process.platform !== 'linux';
  }
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL. Resolves once the process is gone. */
export async function stopProcess(
  pid: number,
  id: ProcessIdentity,
  graceMs = 10_000,
): Promise<'terminated' | 'killed' | 'absent'> {
  if (!isOurProcess(pid, id)) return 'absent';
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // Exited between the check and the signal.
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurProcess(pid, id)) return 'terminated';
    await sleep(100);
  }
  signal('SIGKILL');
  for (let i = 0; i < 50 && isOurProcess(pid, id); i++) await sleep(100);
  if (isOurProcess(pid, id)) throw new Error(`process ${pid} (${id.executable}) survived SIGKILL`);
  return 'killed';
}

/** The last lines of a log file, for error messages. */
export function logTail(path: string, lines = 15): string {
  try {
    const text = readFileSync(path, 'utf8').trimEnd().split('\n');
    return text.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
