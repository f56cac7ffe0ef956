// No setting Kompox accepts is inactive any more: `kompoxops validate` on the wiki example with an
// off-region copy (spec.snapshots.copyToRegion) and its failover policy exits 0 without a
// warning, and a copyToRegion that is no region name fails naming the file, document and line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../workers/repo-root';

void test('validate takes copyToRegion and failover without a warning, and refuses a bad region name', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kompox-not-active-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(repoRoot(), 'examples', 'wiki'), dir, { recursive: true });
  const app = join(dir, 'kompoxapp.yml');
  const text = readFileSync(app, 'utf8');
  assert.match(
    text,
    /\n {4}consistency: crash\n/,
    'fixture examples/wiki/kompoxapp.yml changed; update the test',
  );
  const validate = (region: string) => {
    writeFileSync(
      app,
      text.replace(/\n {4}consistency: crash\n/, `\n    consistency: crash\n    copyToRegion: ${region}\n`),
    );
    return spawnSync(join(repoRoot(), 'bin', 'kompoxops'), ['validate'], { cwd: dir, encoding: 'utf8' });
  };

  const run = validate('local-2');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^valid: /m);
  assert.deepEqual(
    run.stderr.split('\n').filter((line) => line.startsWith('warning: ')),
    [],
    run.stderr,
  );

  const bad = validate('"Local 2"');
  assert.notEqual(bad.status, 0, bad.stdout);
  assert.match(
    bad.stderr,
    /kompoxapp\.yml \(document 2, line \d+\): .*spec\.snapshots\.copyToRegion: "Local 2" is not a region name/,
  );
});
