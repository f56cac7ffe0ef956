// Background processes with pid files: started detached so they outlive the command that
// started them, and stopped by pid only after checking the pid still runs what we started.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface BackgroundProcess {
  name: string;
  pidFile: string;
  logFile: string;
}

export interface StartOptions {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user and group (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
}

export function readPid(proc: BackgroundProcess): number | undefined {
  if (!existsSync(proc.pidFile)) return undefined;
  const pid = Number(readFileSync(proc.pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The pid from the pid file, if that process is alive and still the one we started. */
export function runningPid(proc: BackgroundProcess, expect: string): number | undefined {
  const pid = readPid(proc);
  if (pid === undefined) return undefined;
  const cmd = commandLine(pid);
  if (!cmd || !cmd.includes(expect) || isZombie(pid)) return undefined;
  return pid;
}

export function startBackground(proc: BackgroundProcess, opts: StartOptions): number {
  const log = openSync(proc.logFile, 'a');
  try {
    const child = spawn(opts.command, opts.args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    if (child.pid === undefined) throw new Error(`could not start ${proc.name} (${opts.command})`);
    child.unref();
    writeFileSync(proc.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL; removes the pid file. */
export async function stopBackground(
  proc: BackgroundProcess,
  expect: string,
  graceMs = 10_000,
): Promise<boolean> {
  const pid = runningPid(proc, expect);
  if (pid === undefined) {
    rmSync(proc.pidFile, { force: true });
    return false;
  }
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && runningPid(proc, expect) !== undefined) await sleep(100);
  if (runningPid(proc, expect) !== undefined) {
    signal(pid, 'SIGKILL');
    while (runningPid(proc, expect) !== undefined) await sleep(50);
  }
  rmSync(proc.pidFile, { force: true });
  return true;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export function tailLog(proc: BackgroundProcess, lines = 20): string {
  if (!existsSync(proc.logFile)) return '';
  return readFileSync(proc.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
