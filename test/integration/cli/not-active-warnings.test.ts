// Settings Kompox accepts but does not act on yet are announced: `kompoxops validate` on the wiki
// example with an off-region copy exits 0 and warns about spec.snapshots.copyToRegion, naming
// the file, document and line; its failover policy is active and draws no warning.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../workers/repo-root';

void test('validate warns that copyToRegion is not active yet, and not about failover', (t) => {
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
  writeFileSync(
    app,
    text.replace(/\n {4}consistency: crash\n/, '\n    consistency: crash\n    copyToRegion: local-2\n'),
  );

  const run = spawnSync(join(repoRoot(), 'bin', 'kompoxops'), ['validate'], { cwd: dir, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^valid: /m);
  const warnings = run.stderr.split('\n').filter((line) => line.startsWith('warning: '));
  assert.equal(warnings.length, 1, run.stderr);
  assert.match(
    warnings.join('\n'),
    /warning: kompoxapp\.yml \(document 2, line \d+\): .*spec\.snapshots\.copyToRegion: is not active yet: no snapshot is copied to local-2/,
  );
});
