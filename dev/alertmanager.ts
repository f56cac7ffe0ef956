// A real Prometheus Alertmanager for tests: scripts/alertmanager-tools.sh builds it into the tools
// cache; this runs one on a loopback port with a configuration that routes every alert to one
// webhook, with timers short enough for a test, and its notification log and silences kept in a
// directory so a restart on that directory remembers what it already sent.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { freePorts } from './cluster/ports';

export const ALERTMANAGER_VERSION = process.env.KOMPOX_ALERTMANAGER_VERSION ?? 'v0.31.1';
export const ALERTMANAGER_PATH_ENV = 'ALERTMANAGER_PATH';
const FIX =
  'run `make tools-alertmanager` (scripts/alertmanager-tools.sh builds it from the Go module proxy into the tools cache)';

/** Where scripts/alertmanager-tools.sh puts the binary: ~/.cache/kompox/alertmanager-<version>. */
export function alertmanagerToolsDir(): string {
  const root =
    process.env.KOMPOX_TOOLS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kompox');
  return join(root, `alertmanager-${ALERTMANAGER_VERSION}`);
}

/** The alertmanager binary from ALERTMANAGER_PATH, else from the tools cache. */
export function alertmanagerPath(): string {
  const override = process.env[ALERTMANAGER_PATH_ENV];
  if (override) {
    if (!existsSync(override))
      throw new Error(`${ALERTMANAGER_PATH_ENV}=${override} does not exist; unset it or ${FIX}`);
    return override;
  }
  const bin = join(alertmanagerToolsDir(), 'bin', 'alertmanager');
  if (!existsSync(bin)) {
    throw new Error(`Alertmanager ${ALERTMANAGER_VERSION} is not built (no ${bin}); ${FIX}`);
  }
  return bin;
}

/** An alert as Alertmanager's API v2 takes it. An `endsAt` in the past resolves the alert. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string | Date;
  endsAt?: string | Date;
  generatorURL?: string;
}

export interface AlertmanagerOptions {
  /** Holds the configuration, the log, the credentials file and the storage (data/). */
  dir: string;
  /** Where every notification goes (Alertmanager's webhook payload, version 4). */
  webhookUrl: string;
  /** Sent as `Authorization: Bearer <token>`; Alertmanager reads it from a 0600 file. */
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
  /** Label names alerts are grouped by; default `['...']`: every alert is its own group. */
  groupBy?: string[];
  /** Alertmanager durations ("1s", "500ms"). Defaults: 1s, 2s, 5s. */
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  /** A fixed port; default: a free one below the ephemeral range, another if the bind fails. */
  port?: number;
  /** How long start-up may take before it fails; default 30 s. */
  readyTimeoutMs?: number;
}

export interface Alertmanager {
  /** http://127.0.0.1:PORT */
  url: string;
  /** http://127.0.0.1:PORT/api/v2 */
  apiUrl: string;
  port: number;
  configFile: string;
  logFile: string;
  /** POSTs to /api/v2/alerts. */
  postAlerts(alerts: PostableAlert[]): Promise<void>;
  /** SIGTERM (Alertmanager then writes its notification log and silences), SIGKILL after 10 s. */
  stop(): Promise<void>;
  /** Stops it if running and starts it again on the same directory and port. */
  restart(): Promise<void>;
}

function tail(file: string, lines = 20): string {
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';
}

function writeSecret(file: string, value: string): string {
  writeFileSync(file, value, { mode: 0o600 });
  chmodSync(file, 0o600); // the mode above applies only to a file it creates
  return file;
}

function writeConfig(opts: AlertmanagerOptions): string {
  const httpConfig: Record<string, unknown> = {};
  if (opts.bearerToken !== undefined) {
    httpConfig.authorization = {
      type: 'Bearer',
      credentials_file: writeSecret(join(opts.dir, 'webhook-token'), opts.bearerToken),
    };
  }
  if (opts.basicAuth) {
    httpConfig.basic_auth = {
      username: opts.basicAuth.username,
      password_file: writeSecret(join(opts.dir, 'webhook-password'), opts.basicAuth.password),
    };
  }
  const config = {
    route: {
      receiver: 'webhook',
      group_by: opts.groupBy ?? ['...'],
      // Alertmanager only refuses zero intervals; repeats are checked at each group_interval.
      group_wait: opts.groupWait ?? '1s',
      group_interval: opts.groupInterval ?? '2s',
      repeat_interval: opts.repeatInterval ?? '5s',
    },
    receivers: [
      {
        name: 'webhook',
        webhook_configs: [
          {
            url: opts.webhookUrl,
            send_resolved: true,
            ...(Object.keys(httpConfig).length ? { http_config: httpConfig } : {}),
          },
        ],
      },
    ],
  };
  const file = join(opts.dir, 'alertmanager.yml');
  writeFileSync(file, stringify(config));
  return file;
}

/** Starts the real Alertmanager on 127.0.0.1 and waits until GET /-/ready answers 200. */
export async function startAlertmanager(opts: AlertmanagerOptions): Promise<Alertmanager> {
  const bin = alertmanagerPath();
  mkdirSync(opts.dir, { recursive: true });
  const configFile = writeConfig(opts);
  const logFile = join(opts.dir, 'alertmanager.log');
  const storage = join(opts.dir, 'data');
  const timeoutMs = opts.readyTimeoutMs ?? 30_000;

  let child: ChildProcess | undefined;
  let exited: string | undefined;
  const kill = (): void => void child?.kill('SIGKILL');

  const failed = (why: string): Error =>
    new Error(
      `alertmanager (${bin}) ${why}; if it is missing or broken, ${FIX}. ${logFile} ends with:\n${tail(logFile)}`,
    );

  /** Runs one alertmanager on `port`; 'in-use' when the port was taken before it bound it. */
  async function launch(port: number): Promise<'ready' | 'in-use'> {
    const url = `http://127.0.0.1:${port}`;
    const fd = openSync(logFile, 'a');
    const offset = statSync(logFile).size;
    const proc = spawn(
      bin,
      [
        `--config.file=${configFile}`,
        `--storage.path=${storage}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--web.external-url=${url}`,
        // Empty: no gossip, no cluster port; a single Alertmanager.
        '--cluster.listen-address=',
        '--log.level=debug',
      ],
      { stdio: ['ignore', fd, fd] },
    );
    closeSync(fd);
    child = proc;
    exited = undefined;
    proc.once('error', (err) => (exited = err.message));
    proc.once('exit', (code, signal) => (exited = `exited (${signal ?? code})`));
    process.once('exit', kill);

    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited) {
        process.off('exit', kill);
        const log = readFileSync(logFile).subarray(offset).toString();
        if (/address already in use/i.test(log)) return 'in-use';
        throw failed(`${exited} during start-up on ${url}`);
      }
      const ok = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) }).then(
        async (res) => (await res.text(), res.status === 200),
        () => false,
      );
      if (ok) return 'ready';
      if (Date.now() > deadline) {
        kill();
        process.off('exit', kill);
        throw failed(`did not answer 200 on ${url}/-/ready within ${timeoutMs} ms`);
      }
      await sleep(100);
    }
  }

  let port = opts.port ?? (await freePorts(1))[0]!;
  for (let attempt = 1; ; attempt++) {
    if ((await launch(port)) === 'ready') break;
    if (opts.port !== undefined || attempt >= 5) throw failed(`could not bind 127.0.0.1:${port}`);
    port = (await freePorts(1))[0]!;
  }

  const url = `http://127.0.0.1:${port}`;
  const apiUrl = `${url}/api/v2`;

  async function stop(): Promise<void> {
    const proc = child;
    process.off('exit', kill);
    if (!proc || exited) return;
    const gone = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    if ((await Promise.race([gone, sleep(10_000, 'timeout', { ref: false })])) === 'timeout') {
      proc.kill('SIGKILL');
      await gone;
    }
  }

  return {
    url,
    apiUrl,
    port,
    configFile,
    logFile,
    async postAlerts(alerts) {
      const time = (t: string | Date): string => (typeof t === 'string' ? t : t.toISOString());
      const body = alerts.map((a) => ({
        labels: a.labels,
        ...(a.annotations ? { annotations: a.annotations } : {}),
        ...(a.startsAt ? { startsAt: time(a.startsAt) } : {}),
        ...(a.endsAt ? { endsAt: time(a.endsAt) } : {}),
        ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}),
      }));
      const res = await fetch(`${apiUrl}/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok)
        throw new Error(`Alertmanager POST /api/v2/alerts answered ${res.status}: ${await res.text()}`);
      await res.text();
    },
    stop,
    async restart() {
      await stop();
      if ((await launch(port)) !== 'ready') throw failed(`could not bind 127.0.0.1:${port} again on restart`);
    },
  };
}
