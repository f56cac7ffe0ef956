// Where keys come from: KOMPOX_CODEC_KEY, else KOMPOX_CODEC_KEY_FILE, else the dev stack's
// codec.key; with none, a refusal that says how to set one.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { devCodecKeyFile, ensureDevCodecKey } from '../../../client/codec/dev-key';
import { generateCodecKey } from '../../../client/codec/generate-key';
import { CodecKeyError, formatKey } from '../../../client/codec/key-ring';
import { loadKeyRing } from '../../../client/codec/key-source';

describe('codec key source', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kompox-codec-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const inline = generateCodecKey('inline');
  const fromFile = generateCodecKey('file');
  const keyFile = join(dir, 'keys');
  writeFileSync(keyFile, `${formatKey(fromFile)}\n`);

  it('the dev key file is made once, owner-only, and kept', () => {
    const devDir = join(dir, 'dev');
    const file = ensureDevCodecKey(devDir);
    assert.equal(file, devCodecKeyFile(devDir));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const first = readFileSync(file, 'utf8');
    ensureDevCodecKey(devDir);
    assert.equal(readFileSync(file, 'utf8'), first);
    assert.match(loadKeyRing({ env: {}, devDir }).primary.id, /^dev-/);
  });

  it('prefers KOMPOX_CODEC_KEY, then KOMPOX_CODEC_KEY_FILE, then the dev key', () => {
    const devDir = join(dir, 'dev');
    assert.equal(loadKeyRing({ env: { KOMPOX_CODEC_KEY: formatKey(inline) }, devDir }).primary.id, 'inline');
    const ring = loadKeyRing({ env: { KOMPOX_CODEC_KEY_FILE: keyFile }, devDir });
    assert.equal(ring.primary.id, 'file');
    assert.equal(ring.source, keyFile);
  });

  it('refuses both variables at once', () => {
    assert.throws(
      () => loadKeyRing({ env: { KOMPOX_CODEC_KEY: formatKey(inline), KOMPOX_CODEC_KEY_FILE: keyFile } }),
      /both KOMPOX_CODEC_KEY and KOMPOX_CODEC_KEY_FILE are set/,
    );
  });

  it('refuses an unreadable key file, naming the variable and the path', () => {
    const missing = join(dir, 'nope');
    assert.throws(
      () => loadKeyRing({ env: { KOMPOX_CODEC_KEY_FILE: missing } }),
      (err: Error) =>
        err instanceof CodecKeyError &&
        err.message.includes(`KOMPOX_CODEC_KEY_FILE=${missing}`) &&
        /ENOENT/.test(err.message),
    );
  });

  it('names the file in a parse error', () => {
    const bad = join(dir, 'bad');
    writeFileSync(bad, 'k:c2hvcnQ=\n');
    assert.throws(
      () => loadKeyRing({ env: { KOMPOX_CODEC_KEY_FILE: bad } }),
      new RegExp(`${bad} entry 1.*5 bytes`),
    );
  });

  it('without any key, says how to set one', () => {
    assert.throws(
      () => loadKeyRing({ env: {}, devDir: join(dir, 'no-dev-stack') }),
      /no payload encryption key.*KOMPOX_CODEC_KEY.*KOMPOX_CODEC_KEY_FILE.*--generate-key.*dev up/,
    );
  });
});
