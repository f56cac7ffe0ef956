// The compose corpus in test/fixtures/compose-corpus, for the tests that run it. Each file
// states what it expects in its leading comments:
//   # expect: render                 it must render (warnings allowed)
//   # expect: refuse <fragment>      exactly one error, containing <fragment>
//   # warn: <fragment>               some warning contains <fragment>
//   # app-volumes: a b               the App's volumes (default: data db; empty for none)
// Files in _files/ are next to every compose file (env files, configs, bind sources).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadProject, resolveApp, type AppContext } from '../../kom';
import { APP_ID, appDocument, INFRA, writeProject } from '../unit/kom/project-fixture';

export const CORPUS = path.resolve(__dirname, '../../../test/fixtures/compose-corpus');
const SHARED = path.join(CORPUS, '_files');

export interface Expectation {
  outcome: { kind: 'render' } | { kind: 'refuse'; fragment: string };
  warnings: string[];
  volumes: string[];
}

export function expectationOf(text: string, file: string): Expectation {
  const header = text.split('\n').filter((line) => line.startsWith('# '));
  const value = (key: string) =>
    header.filter((line) => line.startsWith(`# ${key}:`)).map((line) => line.slice(key.length + 3).trim());
  const [expect] = value('expect');
  assert.ok(expect !== undefined, `${file}: no "# expect:" line`);
  const volumesLine = value('app-volumes')[0];
  return {
    outcome:
      expect === 'render' ? { kind: 'render' } : { kind: 'refuse', fragment: expect.replace(/^refuse /, '') },
    warnings: value('warn'),
    volumes: volumesLine === undefined ? ['data', 'db'] : volumesLine.split(/\s+/).filter(Boolean),
  };
}

function sharedFiles(dir: string, prefix = ''): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const relative = `${prefix}${entry.name}`;
    if (entry.isDirectory()) Object.assign(files, sharedFiles(path.join(dir, entry.name), `${relative}/`));
    else files[relative] = fs.readFileSync(path.join(dir, entry.name), 'utf8');
  }
  return files;
}

export function resolveCorpusFile(compose: string, volumes: readonly string[]): AppContext {
  const spec = [
    'compose: file:compose.yml',
    ...(volumes.length > 0
      ? [`volumes: [${volumes.map((name) => `{ name: ${name}, size: 1Gi }`).join(', ')}]`]
      : []),
  ].join('\n');
  const root = writeProject({
    '.kompox/kom/infra.yml': INFRA,
    'kompoxapp.yml': appDocument(spec),
    'compose.yml': compose,
    ...sharedFiles(SHARED),
  });
  return resolveApp(loadProject({ cwd: root, env: {} }), APP_ID);
}

export const corpus = fs
  .readdirSync(CORPUS)
  .filter((name) => name.endsWith('.yml'))
  .sort();
