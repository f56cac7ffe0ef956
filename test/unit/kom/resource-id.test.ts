import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  appResourceId,
  childResourceId,
  formatResourceId,
  InvalidResourceIdError,
  parseResourceId,
  tryParseResourceId,
} from '../../../kom';

void describe('Resource IDs', () => {
  void it('parses every level with its kind, name and parent', () => {
    const box = parseResourceId('/ws/acme/prv/az1/cls/prod1/app/wiki/box/shell');
    assert.equal(box.kind, 'Box');
    assert.equal(box.name, 'shell');
    assert.equal(box.parentId, '/ws/acme/prv/az1/cls/prod1/app/wiki');
    assert.equal(parseResourceId('/ws/acme').parentId, undefined);
    assert.equal(parseResourceId('/ws/acme/prv/az1').kind, 'Provider');
  });

  void it('formats and builds IDs', () => {
    assert.equal(
      formatResourceId([
        { kind: 'ws', name: 'a' },
        { kind: 'prv', name: 'b' },
      ]),
      '/ws/a/prv/b',
    );
    assert.equal(appResourceId('a', 'b', 'c', 'd'), '/ws/a/prv/b/cls/c/app/d');
    assert.equal(childResourceId('/ws/a', 'p'), '/ws/a/prv/p');
    assert.throws(() => childResourceId('/ws/a/prv/b/cls/c/app/d/box/e', 'x'), InvalidResourceIdError);
  });

  const invalid: [string, RegExp][] = [
    ['ws/acme', /must start with "\/"/],
    ['/ws', /kind\/name pairs/],
    ['/ws/acme/prv', /kind\/name pairs/],
    ['/prv/az1', /segment 1 must be "ws"/],
    ['/ws/acme/cls/x', /segment 2 must be "prv"/],
    ['/ws/acme/ing/x', /reserved/],
    ['/ws/acme/foo/x', /unknown segment kind "foo"/],
    ['/ws/Acme', /not a DNS label/],
    ['/ws/a-', /not a DNS label/],
    [`/ws/${'a'.repeat(64)}`, /not a DNS label/],
    ['/ws/a/prv/b/cls/c/app/d/box/e/box/f', /more than 5/],
  ];
  for (const [text, reason] of invalid) {
    void it(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseResourceId(text), reason);
      assert.equal(tryParseResourceId(text), undefined);
    });
  }
});
