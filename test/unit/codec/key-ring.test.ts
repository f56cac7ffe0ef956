// Key ring parsing: the first key encrypts, all decrypt, and every malformed ring is refused
// with a message naming where it came from and what is wrong, without echoing key material.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateCodecKey } from '../../../client/codec/generate-key';
import { CodecKeyError, formatKey, parseKeyRing } from '../../../client/codec/key-ring';

const b64 = (n: number) => randomBytes(n).toString('base64');

function refused(text: string, pattern: RegExp): void {
  assert.throws(
    () => parseKeyRing(text, 'KOMPOX_CODEC_KEY'),
    (err: unknown) => {
      assert.ok(err instanceof CodecKeyError, String(err));
      assert.match(err.message, /KOMPOX_CODEC_KEY/);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

describe('codec key ring', () => {
  it('reads comma-separated and line-separated entries; the first key is the primary', () => {
    const a = generateCodecKey('new');
    const b = generateCodecKey('old');
    for (const text of [
      `${formatKey(a)},${formatKey(b)}`,
      `# rotated 2026-12\n\n${formatKey(a)}\n  ${formatKey(b)}  \n`,
    ]) {
      const ring = parseKeyRing(text, 'test');
      assert.equal(ring.primary.id, 'new');
      assert.deepEqual(ring.primary.key, a.key);
      assert.deepEqual([...ring.byId.keys()], ['new', 'old']);
      assert.deepEqual(ring.byId.get('old'), b.key);
    }
  });

  it('accepts the URL-safe base64 alphabet', () => {
    const key = generateCodecKey('u');
    const urlSafe = key.key.toString('base64url');
    assert.deepEqual(parseKeyRing(`u:${urlSafe}`, 'test').primary.key, key.key);
  });

  it('generated keys are 32 random bytes with distinct default ids', () => {
    const [a, b] = [generateCodecKey(), generateCodecKey()];
    assert.equal(a.key.length, 32);
    assert.notEqual(a.id, b.id);
    assert.notDeepEqual(a.key, b.key);
    assert.equal(parseKeyRing(formatKey(a), 't').primary.id, a.id);
  });

  it('refuses an empty ring', () => {
    refused('', /no key.*--generate-key/);
    refused(' \n# only a comment\n,', /no key/);
  });

  it('refuses a key of the wrong length, saying how long it is', () => {
    refused(`short:${b64(16)}`, /"short".*16 bytes.*32/);
    refused(`long:${b64(33)}`, /33 bytes/);
  });

  it('refuses bad base64', () => {
    refused(`bad:${b64(32).slice(0, 40)}!!!!`, /"bad".*not valid base64/);
    refused('empty:', /"empty".*not valid base64/);
  });

  it('refuses a duplicate id', () => {
    refused(`same:${b64(32)},same:${b64(32)}`, /"same" twice/);
  });

  it('refuses an entry without an id, and does not echo it', () => {
    const bare = b64(32);
    assert.throws(
      () => parseKeyRing(bare, 'KOMPOX_CODEC_KEY'),
      (err: Error) => /entry 1 is not id:base64key/.test(err.message) && !err.message.includes(bare),
    );
    refused(`ok:${b64(32)}\n bad id:${b64(32)}`, /entry 2: the key id must be/);
  });
});
