// Bad KOM or compose: kompoxops exits 2 naming the file (and document or service), creates
// nothing and starts no workflow.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../../../workers/repo-root';
import { appControllerWorkflowId } from '../../../api/ids';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';

/** The example's app key (ws/prv/app): its controller's. */
const APP_KEY = 'demo/local/wiki';

/** Copies made by this file, removed when it ends. */
const copies: string[] = [];

function exampleCopy(edit: (dir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'kompox-bad-'));
  copies.push(dir);
  cpSync(join(repoRoot(), 'examples', 'wiki'), dir, { recursive: true });
  // Keep the local provider's disks inside this copy so the test can see that none appear.
  const infra = join(dir, '.kompox', 'kom', 'infra.yml');
  writeFileSync(
    infra,
    readFileSync(infra, 'utf8').replace(
      'driver: local',
      `driver: local\n  settings: { LOCAL_ROOT: ${join(dir, 'disks')} }`,
    ),
  );
  edit(dir);
  return dir;
}

function edit(file: string, from: RegExp, to: string): void {
  const text = readFileSync(file, 'utf8');
  assert.match(text, from, `fixture ${file} changed; update the test`);
  writeFileSync(file, text.replace(from, to));
}

describe('kompoxops on bad input', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
    for (const dir of copies) rmSync(dir, { recursive: true, force: true });
  });

  const kompoxops = (cwd: string, ...args: string[]) =>
    spawnSync(join(repoRoot(), 'bin', 'kompoxops'), args, {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, KOMPOX_DEV_DIR: stack.dir, TEMPORAL_ADDRESS: stack.address },
    });

  const cases: { name: string; change: (dir: string) => void; expect: RegExp }[] = [
    {
      name: 'invalid snapshot schedule in the KOM',
      change: (dir) => edit(join(dir, 'kompoxapp.yml'), /schedule: .*/, "schedule: '61 * * * *'"),
      expect: /kompoxapp\.yml \(document 2.*spec\.snapshots\.schedule.*"61 \* \* \* \*"/,
    },
    {
      name: 'Provider whose parent workspace is missing',
      change: (dir) =>
        edit(
          join(dir, '.kompox', 'kom', 'infra.yml'),
          /id: \/ws\/demo\/prv\/local \}/,
          'id: /ws/other/prv/local }',
        ),
      expect: /infra\.yml \(document 2/,
    },
    {
      name: 'compose service with build and no image',
      change: (dir) => edit(join(dir, 'compose.yml'), /image: postgres[^\n]*/, 'build: ./db'),
      expect: /compose\.yml.*service "?db"?.*build/,
    },
    {
      name: 'compose volume that the App does not declare',
      change: (dir) =>
        edit(
          join(dir, 'compose.yml'),
          /- db\/postgres:\/var\/lib\/postgresql\/data[^\n]*/,
          '- nosuch/postgres:/var/lib/postgresql/data',
        ),
      expect: /compose\.yml.*"?db"?.*nosuch/,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: validate and disk create --bootstrap exit 2, nothing created`, async () => {
      const dir = exampleCopy(c.change);
      const validate = kompoxops(dir, 'validate');
      assert.equal(validate.status, 2, validate.stderr);
      assert.match(validate.stderr, c.expect);

      const create = kompoxops(dir, 'disk', 'create', '--bootstrap');
      assert.equal(create.status, 2, create.stderr);
      assert.match(create.stderr, c.expect);
      assert.ok(
        !existsSync(join(dir, 'disks')) || readdirSync(join(dir, 'disks')).length === 0,
        'a disk was created',
      );
      await assert.rejects(
        stack.client.workflow.getHandle(appControllerWorkflowId(APP_KEY)).describe(),
        /not found/i,
      );
    });
  }

  it('unknown flags and missing arguments are usage errors (exit 2)', () => {
    const dir = exampleCopy(() => {});
    assert.equal(kompoxops(dir, 'disk', 'create', '--no-such-flag').status, 2);
    const assign = kompoxops(dir, 'disk', 'assign', '-V', 'db');
    assert.equal(assign.status, 2);
    assert.match(assign.stderr, /--name/);
    const vol = kompoxops(dir, 'disk', 'create', '-V', 'nope');
    assert.equal(vol.status, 2);
    assert.match(vol.stderr, /no volume "nope"/);
    const worker = kompoxops(dir, 'worker');
    assert.equal(worker.status, 2);
    assert.match(worker.stderr, /give --config <file>/);
    // Refused before anything starts.
    const server = kompoxops(dir, 'dev', 'up', '--server', 'sqlite');
    assert.equal(server.status, 2);
    assert.match(server.stderr, /--server sqlite: give dev or postgres/);
  });
});
