// moto in server mode: the offline AWS (EC2 and EBS) the eks driver is tested against.
// scripts/moto-tools.sh installs it into the tools cache; this starts one on a loopback port,
// logging to a file, and resets its state between tests.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const MOTO_VERSION = process.env.KOMPOX_MOTO_VERSION ?? '5.2.5';
export const MOTO_SERVER_ENV = 'KOMPOX_MOTO_SERVER';
const FIX = 'run `make tools-moto` (scripts/moto-tools.sh installs moto from PyPI into the tools cache)';

/** The virtualenv scripts/moto-tools.sh fills: ~/.cache/kompox/moto-<version>. */
export function motoToolsDir(): string {
  const root =
    process.env.KOMPOX_TOOLS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kompox');
  return join(root, `moto-${MOTO_VERSION}`);
}

/** moto_server from KOMPOX_MOTO_SERVER, else from the tools cache once its install finished. */
export function motoServerPath(): string {
  const override = process.env[MOTO_SERVER_ENV];
  if (override) {
    if (!existsSync(override))
      throw new Error(`${MOTO_SERVER_ENV}=${override} does not exist; unset it or ${FIX}`);
    return override;
  }
  const dir = motoToolsDir();
  // The script writes .kompox-ready last: without it the virtualenv is half-installed.
  if (!existsSync(join(dir, '.kompox-ready'))) {
    throw new Error(`moto ${MOTO_VERSION} is not installed in ${dir}; ${FIX}`);
  }
  return join(dir, 'bin', 'moto_server');
}

export interface MotoServer {
  /** http://127.0.0.1:PORT, for EC2Client's `endpoint`. */
  endpoint: string;
  logFile: string;
  /** Forgets every resource in every region (POST /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

function tail(file: string, lines = 20): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';
}

/**
 * Starts moto_server on 127.0.0.1. `-p 0` lets the kernel choose the port when moto binds it (so no
 * other process can take it between choosing and binding); the port is read from the "Running on"
 * line moto's web server logs once it listens.
 */
export async function startMotoServer(opts: { dir: string; timeoutMs?: number }): Promise<MotoServer> {
  const server = motoServerPath();
  const logFile = join(opts.dir, 'moto.log');
  const fd = openSync(logFile, 'a');
  const start = readFileSync(logFile).length;
  const child = spawn(server, ['-H', '127.0.0.1', '-p', '0'], {
    stdio: ['ignore', fd, fd],
    // Without moto's hundreds of sample AMIs (and their snapshots), a snapshot listing holds only
    // what the test made, and start-up is quicker.
    env: { MOTO_EC2_LOAD_DEFAULT_AMIS: 'false', ...process.env, PYTHONUNBUFFERED: '1' },
  });
  closeSync(fd);
  let exited: string | undefined;
  child.once('error', (err) => (exited = err.message));
  child.once('exit', (code, signal) => (exited = `exited (${signal ?? code})`));
  const kill = (): void => void child.kill('SIGKILL');
  process.once('exit', kill);
  const failed = (why: string): Error => {
    kill();
    process.off('exit', kill);
    return new Error(
      `moto_server (${server}) ${why}; if moto is missing or broken, ${FIX}. ${logFile} ends with:\n${tail(logFile)}`,
    );
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let endpoint: string | undefined;
  while (!endpoint) {
    if (exited) throw failed(`${exited} during start-up`);
    if (Date.now() > deadline) throw failed(`did not log its port within ${opts.timeoutMs ?? 60_000} ms`);
    const log = readFileSync(logFile).subarray(start).toString();
    const port = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(log)?.[1];
    if (port) endpoint = `http://127.0.0.1:${port}`;
    else await sleep(100);
  }
  const problem = await fetch(`${endpoint}/moto-api/`).then(
    async (res) => (res.ok ? void (await res.text()) : `HTTP ${res.status}: ${await res.text()}`),
    (err: Error) => err.message,
  );
  if (problem) throw failed(`does not answer on ${endpoint}: ${problem}`);

  return {
    endpoint,
    logFile,
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset answered ${res.status}: ${await res.text()}`);
    },
    async stop() {
      process.off('exit', kill);
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      if ((await Promise.race([gone, sleep(5000, 'timeout', { ref: false })])) === 'timeout') {
        kill();
        await gone;
      }
    },
  };
}
