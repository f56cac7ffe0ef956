import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpolateString, parseEnvFile, splitWords } from '../../../kom';

void describe('interpolateString', () => {
  const variables = { NAME: 'wiki', EMPTY: '' };
  const value = (text: string) => interpolateString(text, variables);

  void it('substitutes the compose forms', () => {
    assert.equal(value('$NAME-${NAME}').value, 'wiki-wiki');
    assert.equal(value('${EMPTY:-d}|${EMPTY-d}|${UNSET-d}|${UNSET:-d}').value, 'd||d|d');
    assert.equal(value('${NAME:+alt}|${EMPTY:+alt}|${EMPTY+alt}|${UNSET+alt}').value, 'alt||alt|');
    assert.equal(value('${UNSET:-${NAME}-x}').value, 'wiki-x');
    assert.equal(value('$$NAME costs $$5 and $1').value, '$NAME costs $5 and $1');
  });

  void it('fails required variables with their message', () => {
    const result = value('${X:?missing}');
    assert.deepEqual(result.problems, [
      { severity: 'error', message: 'required variable X is not set: missing' },
    ]);
    assert.match(value('${EMPTY:?}').problems[0]?.message ?? '', /EMPTY is empty/);
    assert.deepEqual(value('${EMPTY?}').problems, []);
  });

  void it('warns about unset variables and rejects bad syntax', () => {
    assert.deepEqual(value('$UNSET').problems, [
      { severity: 'warning', message: 'variable UNSET is not set; an empty string is used' },
    ]);
    assert.match(value('${NAME').problems[0]?.message ?? '', /unclosed/);
    assert.match(value('${1X}').problems[0]?.message ?? '', /invalid variable reference/);
    assert.match(value('${NAME:x}').problems[0]?.message ?? '', /use :-, -, :\?, \?, :\+ or \+/);
  });
});

void describe('parseEnvFile', () => {
  void it('reads .env syntax', () => {
    const text = [
      '# comment',
      '',
      'export A=1',
      'B="two\\nlines \\"quoted\\""',
      "C='lit\\n$x'",
      'D=value # not a comment',
      'E=',
      'F = spaced',
    ].join('\r\n');
    const parsed = parseEnvFile(text, 'env');
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.values, {
      A: '1',
      B: 'two\nlines "quoted"',
      C: 'lit\\n$x',
      D: 'value # not a comment',
      E: '',
      F: ' spaced',
    });
  });

  void it('reports bad lines with their numbers', () => {
    const parsed = parseEnvFile('OK=1\nNOEQUALS\n1BAD=x\nQ="open\n', 'env');
    assert.deepEqual(
      parsed.problems.map((problem) => problem.line),
      [2, 3, 4],
    );
  });

  void it('reads flat YAML and JSON objects', () => {
    assert.deepEqual(parseEnvFile('A: 1\nB: true\nC: text\n', 'yaml').values, {
      A: '1',
      B: 'true',
      C: 'text',
    });
    assert.deepEqual(parseEnvFile('{"A": "x"}', 'json').values, { A: 'x' });
    assert.match(
      parseEnvFile('{"A": {"b": 1}}', 'json').problems[0]?.message ?? '',
      /string, number or boolean/,
    );
    assert.match(parseEnvFile('A=\u0001', 'env').problems[0]?.message ?? '', /control characters/);
  });
});

void describe('splitWords', () => {
  void it('splits like a shell without running one', () => {
    assert.deepEqual(splitWords(`sh -c 'echo "hi there"' "a\\"b" c\\ d`), [
      'sh',
      '-c',
      'echo "hi there"',
      'a"b',
      'c d',
    ]);
    assert.deepEqual(splitWords('  '), []);
    assert.deepEqual(splitWords("''"), ['']);
    assert.throws(() => splitWords('"open'), /unclosed/);
  });
});
