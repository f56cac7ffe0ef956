// The codec server with the real Temporal CLI: `temporal workflow show --codec-endpoint` shows
// decoded payloads through the server the dev stack runs (and `dev status` names), and through
// a `kompoxops codec-server` that requires a bearer token; without the endpoint, or without
// the token, the secret stays unreadable. A client without any key is refused before it sends.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { codecDataConverter } from '../../../client/codec/data-converter';
import { generateCodecKey } from '../../../client/codec/generate-key';
import { formatKey, parseKeyRing } from '../../../client/codec/key-ring';
import { repoRoot } from '../../../workers/repo-root';
import { workflowSource } from '../../../workers/run-worker';
import { temporalCliPath } from '../../../dev/temporal-cli';
import { localAppTarget } from '../../helpers/app-target';
import { wikiProject } from '../../helpers/deploy-project';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import { leakForms } from '../../helpers/leak-scan';
import { runOperation } from '../../helpers/snapshots';

const MARKER = `codec-server-marker-${randomBytes(8).toString('hex')}`;
const kompoxopsBin = join(repoRoot(), 'bin', 'kompoxops');

const showsMarker = (out: string) => leakForms(MARKER).some((f) => Buffer.from(out).includes(f));

/** Starts `kompoxops codec-server` and waits for the URL it prints. */
function startCodecServerProcess(env: NodeJS.ProcessEnv): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(kompoxopsBin, ['codec-server', '--listen', '127.0.0.1:0'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`codec-server printed no URL in 30 s: ${err}`)), 30_000);
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /codec server at (\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[1]! });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`codec-server exited ${code}: ${err}`));
    });
  });
}

void describe('codec server with the Temporal CLI', () => {
  let stack: TestStack;
  let workflowId: string;
  let root: string;
  const temporal = temporalCliPath();
  const env = () => ({ ...process.env, KOMPOX_DEV_DIR: stack.dir, TEMPORAL_ADDRESS: stack.address });
  const show = (...extra: string[]) =>
    spawnSync(
      temporal,
      ['workflow', 'show', '--address', stack.address, '-w', workflowId, '--output', 'json', ...extra],
      {
        encoding: 'utf8',
        maxBuffer: 16 << 20,
      },
    );

  before(async () => {
    stack = await startTestStack();
    const target = localAppTarget({ settings: { CODEC_MARKER: MARKER } });
    root = target.provider.settings.LOCAL_ROOT!;
    const op = await runOperation(stack.client, { kind: 'disk.bootstrap', target });
    assert.equal(op.phase, 'Completed', JSON.stringify(op.failure));
    workflowId = op.workflowId!;
  });
  after(async () => {
    await stack?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  void it('the dev stack serves it, dev status names it, and the CLI decodes through it', () => {
    const status = spawnSync(kompoxopsBin, ['dev', 'status', '-o', 'json'], { env: env(), encoding: 'utf8' });
    assert.equal(status.status, 0, status.stderr);
    const s = JSON.parse(status.stdout) as { codecServerUrl?: string; codecKeyFile: string };
    assert.match(s.codecServerUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(s.codecServerUrl, stack.codecServerUrl);
    assert.equal(s.codecKeyFile, join(stack.dir, 'codec.key'));

    const raw = show();
    assert.equal(raw.status, 0, raw.stderr);
    assert.ok(!showsMarker(raw.stdout), 'the secret is readable without the codec');
    assert.match(raw.stdout, /binary\/encrypted|YmluYXJ5L2VuY3J5cHRlZA/);
    const decoded = show('--codec-endpoint', s.codecServerUrl!);
    assert.equal(decoded.status, 0, decoded.stderr);
    assert.ok(showsMarker(decoded.stdout), 'the codec endpoint did not decode the input');
  });

  void it('a history saved through the codec endpoint (as test/histories/record.ts does) replays without the key', async () => {
    const saved = show('--codec-endpoint', stack.codecServerUrl!);
    assert.equal(saved.status, 0, saved.stderr);
    const history = historyFromJSON(JSON.parse(saved.stdout));
    // Another key than the stack's: only the pass-through of plaintext payloads can read it.
    const dataConverter = codecDataConverter(parseKeyRing(formatKey(generateCodecKey('other')), 'test'));
    await Worker.runReplayHistory({ ...workflowSource(), dataConverter }, history, workflowId);
    // The raw history, by contrast, needs the key it was written with (the decode error is
    // itself reported as an encoded failure, so only the replay failure is visible here).
    const raw = historyFromJSON(JSON.parse(show().stdout));
    await assert.rejects(
      Worker.runReplayHistory({ ...workflowSource(), dataConverter }, raw, workflowId),
      /Replay failed/,
    );
  });

  void it('kompoxops codec-server with a bearer token decodes only for requests carrying it', async () => {
    const { proc, url } = await startCodecServerProcess({ ...env(), KOMPOX_CODEC_SERVER_TOKEN: 'tok-123' });
    try {
      const withToken = show('--codec-endpoint', url, '--codec-auth', 'Bearer tok-123');
      assert.equal(withToken.status, 0, withToken.stderr);
      assert.ok(showsMarker(withToken.stdout), 'not decoded with the token');
      const without = show('--codec-endpoint', url);
      assert.ok(!showsMarker(without.stdout), 'decoded without the token');
      assert.ok(without.status !== 0 || /401|Authorization/.test(without.stderr + without.stdout));
    } finally {
      proc.kill('SIGTERM');
    }
  });

  void it('a command that talks to Temporal refuses to run without a key, and says how to set one', () => {
    const project = wikiProject(`nokey${process.pid}`);
    try {
      const { KOMPOX_CODEC_KEY: _k, KOMPOX_CODEC_KEY_FILE: _f, ...rest } = process.env;
      const r = spawnSync(kompoxopsBin, ['op', 'list'], {
        cwd: project.dir,
        env: { ...rest, KOMPOX_DEV_DIR: join(project.dir, 'no-dev-stack'), TEMPORAL_ADDRESS: stack.address },
        encoding: 'utf8',
      });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /no payload encryption key.*KOMPOX_CODEC_KEY.*--generate-key/);
      // The dev stack's key is not lent to another server (here: the same one, spelled otherwise).
      const elsewhere = `localhost:${stack.address.split(':')[1]}`;
      const other = spawnSync(kompoxopsBin, ['op', 'list'], {
        cwd: project.dir,
        env: { ...rest, KOMPOX_DEV_DIR: stack.dir, TEMPORAL_ADDRESS: elsewhere },
        encoding: 'utf8',
      });
      assert.equal(other.status, 2, other.stderr);
      assert.match(
        other.stderr,
        new RegExp(`used only for the dev stack's server at ${stack.address}, not ${elsewhere}`),
      );
      // Commands that do not talk to Temporal need no key.
      const v = spawnSync(kompoxopsBin, ['validate'], {
        cwd: project.dir,
        env: { ...rest },
        encoding: 'utf8',
      });
      assert.equal(v.status, 0, v.stderr);
    } finally {
      rmSync(project.dir, { recursive: true, force: true });
    }
  });
});
