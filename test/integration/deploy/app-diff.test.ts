// `kompoxops app diff` compares the local project with the deployed revision: nothing after a
// deploy (exit 0); after edits, unified diffs of the compose file and of the rendered objects,
// an env file shown only as changed, never its values (exit 1).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { AppDiff } from '../../../cli/commands/app-diff';
import type { OperationRecord } from '../../../api/operation';
import { kompoxops, kompoxopsJson, setWikiLogLevel, wikiProject } from '../../helpers/deploy-project';
import { deploySuite } from '../../helpers/deploy-suite';

void describe('app diff', () => {
  const suite = deploySuite();

  void it('shows nothing after a deploy, then the edits, with secret values masked', async () => {
    const p = suite.track(wikiProject(`diff${process.pid}`));
    const op = await kompoxopsJson<OperationRecord>(suite.stack, p.dir, 'app', 'deploy', '--bootstrap-disks');
    assert.equal(op.phase, 'Completed', JSON.stringify(op.failure));

    const same = await kompoxops(suite.stack, p.dir, 'app', 'diff');
    assert.equal(same.status, 0, same.stderr);
    assert.match(same.stdout, /no differences/);

    setWikiLogLevel(p, 'debug');
    const newSecret = `changed-${process.pid}-value`;
    writeFileSync(join(p.dir, 'wiki.env'), `DB_PASS=${newSecret}\n`);
    const changed = await kompoxops(suite.stack, p.dir, 'app', 'diff');
    assert.equal(changed.status, 1, changed.stderr);
    assert.match(changed.stdout, /^\+.*logLevel: debug/m, 'the compose edit is shown');
    assert.match(changed.stdout, /--- deployed\/objects\.yaml/, 'the rendered objects are compared');
    assert.match(changed.stdout, /wiki\.env\n# secret content differs \(not shown\)/);
    for (const value of [newSecret, ...p.secretValues])
      assert.ok(!changed.stdout.includes(value), `app diff printed secret value ${value}`);

    const json = JSON.parse(
      (await kompoxops(suite.stack, p.dir, 'app', 'diff', '-o', 'json')).stdout,
    ) as AppDiff;
    assert.equal(json.deployed, op.revision?.digest);
    assert.notEqual(json.local, json.deployed);
    assert.ok(json.objectsChanged);
    assert.deepEqual(
      json.files.map((f) => [f.path, f.change, f.secret]),
      [
        ['compose.yml', 'changed', false],
        ['wiki.env', 'changed', true],
      ],
    );
  });
});
