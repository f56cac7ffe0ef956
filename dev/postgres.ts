// The PostgreSQL a dev stack's Temporal server keeps its state in: Debian's PostgreSQL 15, one
// cluster per dev directory, listening on loopback only, with trust authentication for the
// `temporal` superuser (the dev server has no authentication either). PostgreSQL refuses to run
// as root, so as root the cluster runs as the `postgres` account the Debian package creates, in a
// directory of its own under /var/tmp (a dev directory under /root or a 0700 temp directory is
// not reachable by that account); otherwise as the caller, inside the dev directory.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BackgroundProcess,
  runningPid,
  startBackground,
  stopBackground,
  tailLog,
} from './background-process';

export const POSTGRES_BIN_DIR = process.env.KOMPOX_POSTGRES_BIN_DIR ?? '/usr/lib/postgresql/15/bin';
/** The database superuser Temporal connects as, as in docker-compose.temporal.yml. */
export const POSTGRES_USER = 'temporal';

interface Account {
  uid: number;
  gid: number;
}

/** The account PostgreSQL runs as: the caller, unless that is root. */
function postgresAccount(): Account | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined)
    throw new Error(
      'PostgreSQL refuses to run as root and there is no `postgres` account; install postgresql-15 (apt-get install -y postgresql-15), which creates it',
    );
  return { uid: Number(uid), gid: Number(gid) };
}

/** Where the dev stack in `dir` keeps its PostgreSQL cluster. */
export function postgresDataDir(dir: string): string {
  if (postgresAccount() === undefined) return join(dir, 'postgres');
  const id = createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 12);
  return join('/var/tmp', `kompox-postgres-${id}`);
}

export function postgresProcess(dir: string): BackgroundProcess {
  return { name: 'postgres', pidFile: join(dir, 'postgres.pid'), logFile: join(dir, 'postgres.log') };
}

/** The cluster's data directory is on the postmaster's command line: it tells ours from others. */
const matchOf = (dir: string): string => postgresDataDir(dir);

export function runningPostgresPid(dir: string): number | undefined {
  return runningPid(postgresProcess(dir), matchOf(dir));
}

function binary(name: string): string {
  const path = join(POSTGRES_BIN_DIR, name);
  if (!existsSync(path))
    throw new Error(
      `${path} is missing: install Debian's postgresql-15 (apt-get install -y postgresql-15) or run scripts/temporal-server.sh as root, which does`,
    );
  return path;
}

/** Makes the cluster once (initdb); true when it was made now. */
function ensureCluster(dir: string): boolean {
  const data = postgresDataDir(dir);
  if (existsSync(join(data, 'PG_VERSION'))) return false;
  const account = postgresAccount();
  rmSync(data, { recursive: true, force: true });
  mkdirSync(data, { recursive: true, mode: 0o700 });
  if (account) chownSync(data, account.uid, account.gid);
  const result = spawnSync(
    binary('initdb'),
    ['-D', data, '-U', POSTGRES_USER, '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8'],
    { encoding: 'utf8', cwd: '/', ...(account ?? {}) },
  );
  if (result.status !== 0) {
    rmSync(data, { recursive: true, force: true });
    throw new Error(`initdb failed (exit ${result.status}): ${result.stderr || result.stdout}`);
  }
  return true;
}

/**
 * Starts the dev stack's PostgreSQL on 127.0.0.1:`port` (making its cluster first if needed) and
 * waits until it accepts connections; true when the cluster is new (its databases are to make).
 */
export async function startPostgres(dir: string, port: number): Promise<boolean> {
  const fresh = ensureCluster(dir);
  const proc = postgresProcess(dir);
  if (runningPostgresPid(dir) === undefined) {
    const account = postgresAccount();
    startBackground(proc, {
      command: binary('postgres'),
      args: [
        '-D',
        postgresDataDir(dir),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `port=${port}`,
        // TCP only: no socket file in a directory the account may not write.
        '-c',
        'unix_socket_directories=',
      ],
      cwd: '/',
      ...(account ?? {}),
    });
  }
  await waitForPostgres(dir, port);
  return fresh;
}

async function waitForPostgres(dir: string, port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  const proc = postgresProcess(dir);
  while (Date.now() < deadline) {
    if (runningPostgresPid(dir) === undefined)
      throw new Error(
        `PostgreSQL exited during start-up; its log (${proc.logFile}) ends with:\n${tailLog(proc)}`,
      );
    const ready = spawnSync(
      binary('pg_isready'),
      ['-h', '127.0.0.1', '-p', String(port), '-U', POSTGRES_USER],
      {
        encoding: 'utf8',
      },
    );
    if (ready.status === 0) return;
    await sleep(200);
  }
  throw new Error(
    `PostgreSQL did not accept connections on 127.0.0.1:${port} within 60s; see ${proc.logFile}`,
  );
}

/** Stops the dev stack's PostgreSQL (SIGTERM, a smart shutdown: quick once the server, its only client, is gone); true if it ran. */
export function stopPostgres(dir: string): Promise<boolean> {
  return stopBackground(postgresProcess(dir), matchOf(dir));
}

/** Removes the cluster's data (tests, after stopping it). */
export function removePostgresData(dir: string): void {
  rmSync(postgresDataDir(dir), { recursive: true, force: true });
}
