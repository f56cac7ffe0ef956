// Determinism guard: every recorded history must replay against today's workflow code, with
// the production data converter: the histories hold plaintext payloads (recorded decoded, or
// before the codec), which the codec's decode passes through.
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { codecDataConverter } from '../../../client/codec/data-converter';
import { generateCodecKey } from '../../../client/codec/generate-key';
import { formatKey, parseKeyRing } from '../../../client/codec/key-ring';
import { repoRoot } from '../../../workers/repo-root';
import { workflowSource } from '../../../workers/run-worker';

const dir = join(repoRoot(), 'test', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const dataConverter = codecDataConverter(parseKeyRing(formatKey(generateCodecKey('replay')), 'test'));

describe('replay of recorded histories', () => {
  it('has histories to replay', () => {
    assert.ok(files.length >= 4, `expected recorded histories in ${dir}`);
  });
  for (const file of files) {
    it(`replays ${file}`, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      await Worker.runReplayHistory({ ...workflowSource(), dataConverter }, history, file);
    });
  }
});
