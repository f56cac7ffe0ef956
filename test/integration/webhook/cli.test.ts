// `kompoxops webhook serve` on bad usage: exit 2 with a one-line message, before listening.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../../../workers/repo-root';

const dir = mkdtempSync(join(tmpdir(), 'kompox-webhook-cli-'));
const main = join(repoRoot(), 'dist', 'cli', 'main.js');

function serve(...args: string[]): { status: number | null; stderr: string } {
  return serveWith({}, ...args);
}

function serveWith(extra: NodeJS.ProcessEnv, ...args: string[]): { status: number | null; stderr: string } {
  const env = { ...process.env, ...extra };
  for (const k of Object.keys(env)) if (k.startsWith('KOMPOX_WEBHOOK_')) delete env[k];
  const r = spawnSync(process.execPath, [main, 'webhook', 'serve', ...args], {
    encoding: 'utf8',
    env,
    timeout: 20_000,
  });
  return { status: r.status, stderr: r.stderr };
}

void describe('kompoxops webhook serve usage errors', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  void it('exits 2 naming the problem', () => {
    const token = join(dir, 'token');
    writeFileSync(token, 'tok\n');
    const badMap = join(dir, 'map.yml');
    writeFileSync(badMap, 'alertmanager: {host: [x]}\n');
    const cases: [string[], RegExp][] = [
      [['--listen', 'nonsense'], /^error: --listen nonsense: expected host:port/],
      [
        ['--listen', '0.0.0.0:9095'],
        /^error: --listen 0\.0\.0\.0:9095: anyone reaching it could start failovers/,
      ],
      [
        [],
        /^error: no credentials: give --token-file or --basic-auth-file, or --allow-unauthenticated-loopback/,
      ],
      [['--token-file', join(dir, 'missing')], /^error: --token-file .*missing: cannot read: ENOENT/],
      [['--basic-auth-file', token], /^error: --basic-auth-file .*token: expected one line user:password/],
      [
        ['--token-file', token, '--max-body-bytes', '1k'],
        /^error: --max-body-bytes 1k: expected a positive whole number/,
      ],
      [
        ['--token-file', token, '--sns-topic-arn', 'alerts'],
        /^error: --sns-topic-arn alerts: expected arn:aws:sns:/,
      ],
      [
        ['--token-file', token, '--max-concurrent-failovers', '0'],
        /^error: --max-concurrent-failovers 0: expected a whole number from 1 to 1000/,
      ],
      [
        ['--token-file', token, '--zone-outage-percent', '150'],
        /^error: --zone-outage-percent 150: expected a whole number from 0 to 100/,
      ],
      [
        ['--token-file', token, '--mapping-file', badMap],
        /^error: --mapping-file .*map\.yml: alertmanager\.host: not a field/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = serve(...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });

  void it('with good options, needs Temporal to hand alerts to: exit 3 when it cannot reach it', () => {
    const token = join(dir, 'token2');
    writeFileSync(token, 'tok\n');
    const key = `k1:${randomBytes(32).toString('base64')}`;
    const r = serveWith(
      { KOMPOX_CODEC_KEY: key },
      '--token-file',
      token,
      '--listen',
      '127.0.0.1:0',
      '--temporal-address',
      '127.0.0.1:1',
    );
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /127\.0\.0\.1:1/);
  });
});
