// The compose corpus (see test/helpers/compose-corpus.ts): every file either validates and
// renders, or is refused with exactly one error that says what is wrong. Nothing crashes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { formatKomIssue, KomError, type AppContext } from '../../kom';
import { convertApp, localFileValues, placeholderDisks, renderYaml } from '../../kube/convert';
import { corpus, CORPUS, expectationOf, resolveCorpusFile } from '../helpers/compose-corpus';

const MIN_FILES = 60;

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
