// The compose corpus: every file in test/fixtures/compose-corpus either validates and renders,
// or is refused with exactly one error that says what is wrong. Nothing crashes. Each file
// states what it expects in its leading comments:
//   # expect: render                 it must render (warnings allowed)
//   # expect: refuse <fragment>      exactly one error, containing <fragment>
//   # warn: <fragment>               some warning contains <fragment>
//   # app-volumes: a b               the App's volumes (default: data db; empty for none)
// Files in _files/ are next to every compose file (env files, configs, bind sources).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { formatKomIssue, KomError, loadProject, resolveApp, type AppContext } from '../../kom';
import { convertApp, localFileValues, placeholderDisks, renderYaml } from '../../kube/convert';
import { APP_ID, appDocument, INFRA, writeProject } from './kom/project-fixture';

const CORPUS = path.resolve(__dirname, '../../../test/fixtures/compose-corpus');
const SHARED = path.join(CORPUS, '_files');
const MIN_FILES = 60;

interface Expectation {
  outcome: { kind: 'render' } | { kind: 'refuse'; fragment: string };
  warnings: string[];
  volumes: string[];
}

function expectationOf(text: string, file: string): Expectation {
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

function resolveCorpusFile(compose: string, volumes: readonly string[]): AppContext {
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

const corpus = fs
  .readdirSync(CORPUS)
  .filter((name) => name.endsWith('.yml'))
  .sort();

void describe('compose corpus', () => {
  void it(`holds at least ${MIN_FILES} files, both renders and refusals`, () => {
    assert.ok(corpus.length >= MIN_FILES, `${corpus.length} files`);
    const outcomes = corpus.map(
      (name) => expectationOf(fs.readFileSync(path.join(CORPUS, name), 'utf8'), name).outcome.kind,
    );
    assert.ok(outcomes.includes('render') && outcomes.includes('refuse'));
  });

  for (const name of corpus) {
    void it(name, () => {
      const text = fs.readFileSync(path.join(CORPUS, name), 'utf8');
      const expected = expectationOf(text, name);
      let context: AppContext;
      try {
        context = resolveCorpusFile(text, expected.volumes);
      } catch (error) {
        // Anything but a KomError is a crash.
        if (!(error instanceof KomError)) throw error;
        const errors = error.errors.map(formatKomIssue);
        assert.equal(expected.outcome.kind, 'refuse', `refused unexpectedly:\n${errors.join('\n')}`);
        assert.equal(errors.length, 1, `one refusal expected, got:\n${errors.join('\n')}`);
        const [only = ''] = errors;
        assert.ok(only.startsWith('compose.yml'), `the refusal names the file: ${only}`);
        if (expected.outcome.kind === 'refuse') assert.ok(only.includes(expected.outcome.fragment), only);
        return;
      }
      assert.equal(
        expected.outcome.kind,
        'render',
        `validated, but a refusal was expected: ${JSON.stringify(expected.outcome)}`,
      );
      const warnings = context.warnings.map(formatKomIssue);
      for (const fragment of expected.warnings) {
        assert.ok(
          warnings.some((line) => line.includes(fragment)),
          `no warning contains "${fragment}":\n${warnings.join('\n')}`,
        );
      }
      const result = convertApp({ context, disks: placeholderDisks(context), values: localFileValues() });
      const documents = parseAllDocuments(renderYaml(result.objects));
      assert.equal(documents.length, result.objects.length);
      assert.ok(documents.every((document) => document.errors.length === 0));
      const deployments = result.objects.filter((object) => object.kind === 'Deployment');
      assert.equal(deployments.length, 1);
    });
  }
});
