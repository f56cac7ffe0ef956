// Property-style tests for tag values: whatever Kompox is given (workspace, provider and cluster
// names allow upper case, dots and 128 characters), what it writes fits GCP's label rules, is the
// same every time, keeps values that already fit, and keeps distinct inputs distinct.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TAG_VALUE_MAX, isValidTagValue, sanitizeTagValues, tagValue } from '../../../drivers/tag-value';
import { prng } from '../../helpers/prng';

const ALPHABET = 'abcxyzABCXYZ0129_-.:/ @ÄéΩ漢';

function randomInputs(count: number, seed: number): string[] {
  const rand = prng(seed);
  return Array.from({ length: count }, () => {
    const length = Math.floor(rand() * 140);
    return Array.from({ length }, () => ALPHABET[Math.floor(rand() * ALPHABET.length)]).join('');
  });
}

const GCP_LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;

void describe('tagValue', () => {
  const inputs = randomInputs(3000, 20261202);

  void it('always gives a GCP-valid label value of at most 63 characters', () => {
    for (const raw of inputs) {
      const value = tagValue(raw);
      assert.match(value, GCP_LABEL_VALUE, JSON.stringify(raw));
      assert.ok(value.length <= TAG_VALUE_MAX);
      assert.ok(isValidTagValue(value));
    }
  });

  void it('is stable and idempotent: the same input, or its own output, gives the same value', () => {
    for (const raw of inputs) {
      assert.equal(tagValue(raw), tagValue(raw));
      assert.equal(tagValue(tagValue(raw)), tagValue(raw), JSON.stringify(raw));
    }
  });

  void it('keeps values that already fit, so tags written before stay found', () => {
    for (const raw of ['', 'wiki', 'db', 'true', 'false', 'kompox', 'ws1', 'a_b-c', 'x'.repeat(63)]) {
      assert.equal(tagValue(raw), raw);
    }
    for (const raw of inputs.filter(isValidTagValue)) assert.equal(tagValue(raw), raw);
  });

  void it('gives distinct inputs distinct values (case, punctuation, long common prefixes)', () => {
    const distinct = [
      ...new Set([
        ...inputs,
        'Prod',
        'prod',
        'PROD',
        'my.workspace',
        'my-workspace',
        'my_workspace',
        'my workspace',
        `${'a'.repeat(70)}1`,
        `${'a'.repeat(70)}2`,
        `${'A'.repeat(63)}`,
        `${'a'.repeat(64)}`,
      ]),
    ];
    const seen = new Map<string, string>();
    for (const raw of distinct) {
      const value = tagValue(raw);
      const earlier = seen.get(value);
      assert.equal(
        earlier,
        undefined,
        `${JSON.stringify(raw)} and ${JSON.stringify(earlier)} share ${value}`,
      );
      seen.set(value, raw);
    }
  });

  void it('stays readable: a changed value starts with the lowercased input', () => {
    assert.match(tagValue('Team.Prod'), /^team-prod-[0-9a-f]{8}$/);
    assert.match(tagValue('x'.repeat(100)), /^x{54}-[0-9a-f]{8}$/);
  });

  void it('sanitizeTagValues keeps keys and fixes every value', () => {
    const tags = sanitizeTagValues({ 'kompox-workspace-name': 'Team.Prod', 'kompox-volume': 'db' });
    assert.deepEqual(Object.keys(tags), ['kompox-workspace-name', 'kompox-volume']);
    assert.equal(tags['kompox-workspace-name'], tagValue('Team.Prod'));
    assert.equal(tags['kompox-volume'], 'db');
  });
});
