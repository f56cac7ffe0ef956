// The dev stack's Temporal server on PostgreSQL, restarted with mTLS on its frontend (the
// repository's temporal-server-tls.yaml) and optionally JWT authorization (temporal-server-auth.yaml),
// both loaded over its configuration the way production loads them: as the zone file
// config/<env>_secure.yaml. The stack's own plaintext worker is stopped first: the test runs the
// workers it means to, with their certificates.
import { Connection } from '@temporalio/client';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';
import { tailLog } from '../../dev/background-process';
import { freePorts } from '../../dev/cluster/ports';
import { isRunning } from '../../dev/cluster/process';
import {
  SERVER_ENV,
  renderServerConfig,
  serverRootDir,
  temporalServerTools,
} from '../../dev/temporal-server';
import { repoRoot } from '../../workers/repo-root';
import type { TestPki } from './test-pki';
import { killWorker } from './worker-kill';

const ZONE = 'secure';

export interface SecureServerOptions {
  pki: TestPki;
  /** The JWKS URL clients' JWTs are checked against; none: no authorization. */
  jwksUri?: string;
}

async function stopServer(dir: string): Promise<void> {
  const pid = Number(readFileSync(join(dir, 'temporal.pid'), 'utf8'));
  if (!isRunning(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (isRunning(pid)) {
    if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
    await sleep(50);
  }
}

/** The overlays rendered and merged under one `global:` key. */
export async function secureOverlay(opts: SecureServerOptions): Promise<string> {
  const render = (file: string, values: Record<string, string>) =>
    parse(renderServerConfig(readFileSync(join(repoRoot(), file), 'utf8'), values)) as {
      global: Record<string, unknown>;
      services?: Record<string, unknown>;
    };
  const tls = render('temporal-server-tls.yaml', {
    TEMPORAL_TLS_SERVER_CERT: opts.pki.server.cert,
    TEMPORAL_TLS_SERVER_KEY: opts.pki.server.key,
    TEMPORAL_TLS_CLIENT_CA: opts.pki.ca,
    TEMPORAL_TLS_SERVER_CA: opts.pki.ca,
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
    TEMPORAL_TLS_SYSTEM_WORKER_CERT: opts.pki.server.cert,
    TEMPORAL_TLS_SYSTEM_WORKER_KEY: opts.pki.server.key,
  });
  let auth;
  if (opts.jwksUri) {
    const [grpc, membership] = await freePorts(2);
    auth = render('temporal-server-auth.yaml', {
      TEMPORAL_JWKS_URI: opts.jwksUri,
      INTERNAL_FRONTEND_GRPC_PORT: String(grpc),
      INTERNAL_FRONTEND_MEMBERSHIP_PORT: String(membership),
      BIND_ON_IP: '127.0.0.1',
    });
  }
  return stringify({
    global: { ...tls.global, ...(auth?.global ?? {}) },
    ...(auth?.services ? { services: auth.services } : {}),
  });
}

/**
 * Restarts the stack's server in `dir` with the security overlay; resolves once it answers a
 * client holding the right certificate (and `apiKey`, when authorization is on).
 */
export async function restartSecured(
  dir: string,
  address: string,
  opts: SecureServerOptions & { apiKey?: string },
): Promise<void> {
  await killWorker(dir).catch(() => undefined);
  await stopServer(dir);
  writeFileSync(join(serverRootDir(dir), 'config', `${SERVER_ENV}_${ZONE}.yaml`), await secureOverlay(opts));
  const services = [
    'frontend',
    ...(opts.jwksUri ? ['internal-frontend'] : []),
    'history',
    'matching',
    'worker',
  ];
  const log = openSync(join(dir, 'temporal.log'), 'a');
  const child = spawn(
    temporalServerTools().server,
    [
      '--root',
      serverRootDir(dir),
      '--config',
      'config',
      '--env',
      SERVER_ENV,
      '--zone',
      ZONE,
      '--allow-no-auth',
      'start',
      ...services.flatMap((s) => ['--service', s]),
    ],
    { cwd: dir, detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  child.unref();
  // The stack's pid file: `dev down` (the test stack's stop) stops this server as it would its own.
  writeFileSync(join(dir, 'temporal.pid'), `${child.pid}\n`);
  const tls = {
    serverRootCACertificate: readFileSync(opts.pki.ca),
    clientCertPair: { crt: readFileSync(opts.pki.client.cert), key: readFileSync(opts.pki.client.key) },
  };
  const deadline = Date.now() + 60_000;
  let last: unknown;
  while (Date.now() < deadline) {
    if (!isRunning(child.pid!))
      throw new Error(
        `the secured Temporal server exited; its log ends with:\n${tailLog({ name: 'temporal', pidFile: join(dir, 'temporal.pid'), logFile: join(dir, 'temporal.log') })}`,
      );
    try {
      const connection = await Connection.connect({
        address,
        tls,
        connectTimeout: 2000,
        ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
      });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      last = err;
      await sleep(250);
    }
  }
  throw new Error(`the secured Temporal server did not answer on ${address} within 60s: ${String(last)}`);
}
