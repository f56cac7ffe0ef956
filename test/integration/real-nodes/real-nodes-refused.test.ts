// `dev up --real-nodes` on a machine (here: a user) that cannot run real nodes fails before it
// starts anything, says what is missing, and leaves nothing behind. A bad count is a usage error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../../workers/repo-root';

const NOBODY = 65534;

function devUp(devDir: string, args: string[], asNobody: boolean) {
  const kompoxops = join(repoRoot(), 'bin', 'kompoxops');
  const argv = asNobody
    ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', kompoxops]
    : [kompoxops];
  return spawnSync(argv[0]!, [...argv.slice(1), 'dev', 'up', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, KOMPOX_DEV_DIR: devDir, HOME: devDir },
  });
}

void describe('dev up --real-nodes refused', () => {
  void it('without root: names what is missing, starts nothing, writes nothing', (t) => {
    assert.equal(process.getuid?.(), 0, 'this test drops from root to nobody; run the tests as root');
    const dir = mkdtempSync(join(tmpdir(), 'kompox-nonroot-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    chmodSync(dir, 0o777);
    const devDir = join(dir, 'dev');
    const r = devUp(devDir, ['--real-nodes', '1'], true);
    assert.notEqual(r.status, 0, r.stdout);
    assert.match(r.stderr, /cannot run real nodes; missing: root: real nodes create network namespaces/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'a stack trace');
    // Nothing started: not even the dev directory was made.
    assert.deepEqual(readdirSync(dir), []);
  });

  void it('a count that is not a whole number is a usage error', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'kompox-badcount-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const r = devUp(join(dir, 'dev'), ['--real-nodes', 'two'], false);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--real-nodes two: give a whole number from 0 to 20/);
    assert.deepEqual(readdirSync(dir), []);
  });
});
