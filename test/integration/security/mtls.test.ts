// Kompox against a secured Temporal: the server on PostgreSQL with mTLS on its frontend
// (temporal-server-tls.yaml, certificates made with openssl at test time), then also with JWT
// authorization (temporal-server-auth.yaml, keys served as a JWKS from this test). kompoxops and
// `kompoxops worker` connect with flags, TEMPORAL_* variables and the worker configuration's
// `temporal:` key, do real work (disks created by a worker through its mTLS connection), and every
// wrong configuration is refused with exit 2 and a message naming the fix, before anything runs.
// The codec server serves HTTPS and requires client certificates with --tls-ca.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { freePorts } from '../../../dev/cluster/ports';
import { type TestProject, wikiProject } from '../../helpers/deploy-project';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import { restartSecured } from '../../helpers/secure-temporal';
import { type TestPki, makeTestPki } from '../../helpers/test-pki';
import { repoRoot } from '../../../workers/repo-root';

const BIN = join(repoRoot(), 'bin', 'kompoxops');

interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

/** kompoxops in `cwd` with only the environment given: no TEMPORAL_* of this process leaks in. */
function kompoxops(env: NodeJS.ProcessEnv, cwd: string, ...args: string[]): Promise<Result> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_')));
  return new Promise((resolve) => {
    execFile(
      BIN,
      args,
      { cwd, encoding: 'utf8', timeout: 300_000, env: { ...base, ...env } },
      (err, stdout, stderr) =>
        resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

function assertRefused(r: Result, message: RegExp, what: string): void {
  assert.equal(r.status, 2, `${what}: exit ${r.status}\n${r.stderr}`);
  assert.match(r.stderr, message, what);
}

/** An RS256 JWT, as the server's default claim mapper reads it. */
function signJwt(key: import('node:crypto').KeyObject, kid: string, claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64(claims)}`;
  return `${body}.${createSign('RSA-SHA256').update(body).sign(key).toString('base64url')}`;
}

void describe('connection security: mTLS and API keys against the Temporal server on PostgreSQL', () => {
  let stack: TestStack;
  let pki: TestPki;
  let project: TestProject;
  let dir: string;
  const children: ChildProcess[] = [];
  const jwks = createServer();
  const signing = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

  before(async () => {
    stack = await startTestStack({ server: 'postgres' });
    dir = stack.dir;
    pki = makeTestPki(join(dir, 'pki'));
    project = wikiProject(`tls${process.pid}`);
    await restartSecured(dir, stack.address, { pki });
  });
  after(async () => {
    for (const c of children) c.kill('SIGTERM');
    jwks.close();
    await stack?.stop();
    if (project) rmSync(project.dir, { recursive: true, force: true });
  });

  /** The environment of a client holding the right certificate, through the Temporal CLI's variables. */
  const mtlsEnv = (): NodeJS.ProcessEnv => ({
    KOMPOX_DEV_DIR: dir,
    TEMPORAL_ADDRESS: stack.address,
    TEMPORAL_TLS_CERT: pki.client.cert,
    TEMPORAL_TLS_KEY: pki.client.key,
    TEMPORAL_TLS_CA: pki.ca,
  });

  /** `kompoxops worker` with a configuration file holding the address and certificates; resolves once it polls. */
  async function startWorker(
    temporal: Record<string, unknown>,
    extraArgs: string[] = [],
  ): Promise<ChildProcess> {
    const config = join(dir, `worker-${children.length}.yml`);
    writeFileSync(
      config,
      stringify({
        clusters: { '*': { dev: true } },
        providers: { '*': { localRoots: ['*'] } },
        temporal: { address: stack.address, ...temporal },
      }),
    );
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_')));
    const child = spawn(
      BIN,
      ['worker', '--config', config, '--state-dir', join(dir, 'state'), ...extraArgs],
      {
        env: { ...base, KOMPOX_DEV_DIR: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.resume();
    // Operations wait in their queue until it polls; one that exits early fails the test here.
    const deadline = Date.now() + 30_000;
    while (!stderr.includes('worker polling')) {
      if (child.exitCode !== null) throw new Error(`the worker exited ${child.exitCode}:\n${stderr}`);
      assert.ok(Date.now() < deadline, `the worker did not start within 30 s:\n${stderr}`);
      await sleep(200);
    }
    child.once('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(`the worker exited ${code}:\n${stderr}\n`);
    });
    return child;
  }

  async function stopWorker(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  void it('mTLS: the right certificate works for kompoxops and the worker; every wrong one is refused with the fix', async () => {
    const cwd = project.dir;
    const plain = { KOMPOX_DEV_DIR: dir, TEMPORAL_ADDRESS: stack.address };
    const r = (...args: string[]) => kompoxops(plain, cwd, 'disk', 'list', ...args);
    assertRefused(
      await r(),
      /requires TLS with a client certificate \(mTLS\): give --tls-ca, --tls-cert and --tls-key/,
      'plaintext',
    );
    assertRefused(
      await r('--tls-ca', pki.ca),
      /requires a client certificate \(mTLS\): give --tls-cert and --tls-key/,
      'no certificate',
    );
    assertRefused(
      await r('--tls-ca', pki.otherCa, '--tls-cert', pki.client.cert, '--tls-key', pki.client.key),
      /the server's certificate is not signed by the CA of --tls-ca \(wrong CA\?\)/,
      'wrong CA',
    );
    assertRefused(
      await r('--tls-ca', pki.ca, '--tls-cert', pki.expiredClient.cert, '--tls-key', pki.expiredClient.key),
      /refused the client certificate: it has expired/,
      'expired certificate',
    );
    assertRefused(
      await r('--tls-ca', pki.ca, '--tls-cert', pki.otherClient.cert, '--tls-key', pki.otherClient.key),
      /does not trust the client certificate of --tls-cert/,
      'certificate of another CA',
    );
    assertRefused(
      await r('--tls-ca', pki.ca, '--tls-cert', pki.client.cert),
      /--tls-cert is set but no client key/,
      'certificate without key',
    );
    assertRefused(
      await r(
        '--tls-ca',
        join(dir, 'missing.pem'),
        '--tls-cert',
        pki.client.cert,
        '--tls-key',
        pki.client.key,
      ),
      /--tls-ca .*missing\.pem: cannot read the CA certificate file \(ENOENT\)/,
      'unreadable CA file',
    );
    assertRefused(
      await r(
        '--tls-ca',
        pki.ca,
        '--tls-cert',
        pki.client.cert,
        '--tls-key',
        pki.client.key,
        '--tls-server-name',
        'temporal.example.com',
      ),
      /not issued for this name; give the name it is issued for with --tls-server-name/,
      'wrong server name',
    );

    // Nothing listening: exit 3, naming the address, whatever the TLS options.
    const [closed] = await freePorts(1);
    const nobody = await kompoxops(
      { KOMPOX_CODEC_KEY_FILE: join(dir, 'codec.key'), TEMPORAL_ADDRESS: `127.0.0.1:${closed}` },
      cwd,
      'disk',
      'list',
      '--tls-ca',
      pki.ca,
      '--tls-cert',
      pki.client.cert,
      '--tls-key',
      pki.client.key,
    );
    assert.equal(nobody.status, 3, nobody.stderr);
    assert.match(nobody.stderr, new RegExp(`cannot reach Temporal at 127\\.0\\.0\\.1:${closed}`));

    // The webhook receiver connects before it listens: refused, nothing left listening.
    const webhook = await kompoxops(
      plain,
      cwd,
      'webhook',
      'serve',
      '--allow-unauthenticated-loopback',
      '--listen',
      '127.0.0.1:0',
    );
    assertRefused(
      webhook,
      /requires TLS with a client certificate \(mTLS\)/,
      'webhook receiver without certificates',
    );

    // A worker configured with the wrong CA refuses to start, saying so.
    const badConfig = join(dir, 'worker-bad.yml');
    writeFileSync(
      badConfig,
      stringify({
        clusters: { '*': { dev: true } },
        temporal: {
          address: stack.address,
          tls: { cert: pki.client.cert, key: pki.client.key, ca: pki.otherCa },
        },
      }),
    );
    const bad = await kompoxops({ KOMPOX_DEV_DIR: dir }, cwd, 'worker', '--config', badConfig);
    assertRefused(
      bad,
      /the server's certificate is not signed by the CA of --tls-ca/,
      'worker with the wrong CA',
    );

    // Real work: a worker connected with the file's certificates creates the disks kompoxops asks for.
    const worker = await startWorker({
      tls: { cert: pki.client.cert, key: pki.client.key, ca: pki.ca, serverName: 'localhost' },
    });
    const created = await kompoxops(
      { KOMPOX_DEV_DIR: dir, TEMPORAL_ADDRESS: stack.address },
      cwd,
      'disk',
      'create',
      '--bootstrap',
      '--tls-ca',
      pki.ca,
      '--tls-cert',
      pki.client.cert,
      '--tls-key',
      pki.client.key,
    );
    assert.equal(created.status, 0, created.stderr);
    // The Temporal CLI's spellings of the flags work the same.
    const listed = await kompoxops(
      { KOMPOX_DEV_DIR: dir, TEMPORAL_ADDRESS: stack.address },
      cwd,
      'disk',
      'list',
      '-o',
      'json',
      '--tls-ca-path',
      pki.ca,
      '--tls-cert-path',
      pki.client.cert,
      '--tls-key-path',
      pki.client.key,
    );
    assert.equal(listed.status, 0, listed.stderr);
    const disks = JSON.parse(listed.stdout) as { volume: string; assigned: boolean }[];
    assert.ok(disks.length >= 2 && disks.every((d) => d.assigned), listed.stdout);
    await stopWorker(worker);
  });

  void it('API key: a JWT the server checks against its JWKS; missing or foreign keys are refused', async () => {
    const kid = 'kompox-test';
    jwks.on('request', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          keys: [{ ...signing.publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }],
        }),
      );
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const port = (jwks.address() as { port: number }).port;
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'kompox-worker', permissions: ['default:admin'], iat: now, exp: now + 3600 };
    const token = signJwt(signing.privateKey, kid, claims);
    await restartSecured(dir, stack.address, {
      pki,
      jwksUri: `http://127.0.0.1:${port}/jwks.json`,
      apiKey: token,
    });
    const cwd = project.dir;

    assertRefused(
      await kompoxops(mtlsEnv(), cwd, 'disk', 'list'),
      /requires an API key and none was given: set TEMPORAL_API_KEY, or give --api-key-file/,
      'no API key',
    );
    assertRefused(
      await kompoxops(
        { ...mtlsEnv(), TEMPORAL_API_KEY: signJwt(stranger.privateKey, kid, claims) },
        cwd,
        'disk',
        'list',
      ),
      /refused the API key/,
      'a key signed by someone else',
    );
    // A worker without a key is refused at its first namespace call, before it polls.
    const keyless = join(dir, 'worker-keyless.yml');
    writeFileSync(
      keyless,
      stringify({
        clusters: { '*': { dev: true } },
        temporal: { address: stack.address, tls: { cert: pki.client.cert, key: pki.client.key, ca: pki.ca } },
      }),
    );
    assertRefused(
      await kompoxops({ KOMPOX_DEV_DIR: dir }, cwd, 'worker', '--config', keyless),
      /requires an API key and none was given/,
      'worker without an API key',
    );
    const keyFile = join(dir, 'api-key');
    writeFileSync(keyFile, `${token}\n`, { mode: 0o600 });
    // The worker reads its key from the file its configuration names; kompoxops from the environment.
    const worker = await startWorker({
      tls: { cert: pki.client.cert, key: pki.client.key, ca: pki.ca },
      apiKeyFile: keyFile,
    });
    const created = await kompoxops(
      { ...mtlsEnv(), TEMPORAL_API_KEY: token },
      cwd,
      'disk',
      'create',
      '-V',
      'db',
      '-N',
      'db-jwt',
    );
    assert.equal(created.status, 0, created.stderr);
    const listed = await kompoxops(mtlsEnv(), cwd, 'disk', 'list', '-o', 'json', '--api-key-file', keyFile);
    assert.equal(listed.status, 0, listed.stderr);
    assert.ok(
      (JSON.parse(listed.stdout) as { name: string }[]).some((d) => d.name === 'db-jwt'),
      listed.stdout,
    );
    await stopWorker(worker);
  });

  void it('codec server: HTTPS, and with --tls-ca only for callers holding a client certificate', async () => {
    const child = spawn(
      BIN,
      [
        'codec-server',
        '--listen',
        '0.0.0.0:0',
        '--tls-cert',
        pki.server.cert,
        '--tls-key',
        pki.server.key,
        '--tls-ca',
        pki.ca,
      ],
      { env: { ...process.env, KOMPOX_DEV_DIR: dir }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 30_000;
    while (!/codec server at https:\/\/0\.0\.0\.0:(\d+)/.test(stderr)) {
      assert.ok(child.exitCode === null && Date.now() < deadline, `codec server did not start:\n${stderr}`);
      await sleep(100);
    }
    const port = Number(/codec server at https:\/\/0\.0\.0\.0:(\d+)/.exec(stderr)![1]);
    const post = (cert?: { cert: string; key: string }) =>
      new Promise<number | string>((resolve) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path: '/encode',
            method: 'POST',
            ca: readFileSync(pki.ca),
            ...(cert ? { cert: readFileSync(cert.cert), key: readFileSync(cert.key) } : {}),
            headers: { 'Content-Type': 'application/json' },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
        req.end(JSON.stringify({ payloads: [{ metadata: {}, data: randomBytes(8).toString('base64') }] }));
      });
    assert.equal(await post(pki.client), 200);
    const refused = await post();
    assert.notEqual(refused, 200, 'a caller without a client certificate was served');
    assert.equal(
      (await post(pki.otherClient)) === 200,
      false,
      'a client certificate of another CA was accepted',
    );
    child.kill('SIGTERM');
  });
});
