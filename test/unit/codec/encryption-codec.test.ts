// The payload codec: what it writes holds no plaintext, it reads its own output back, keys
// rotate by prepending, and anything it cannot trust is refused with the reason.
import { defaultPayloadConverter } from '@temporalio/common';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENCRYPTED_ENCODING, EncryptionCodec, KEY_ID_METADATA } from '../../../client/codec/encryption-codec';
import { generateCodecKey } from '../../../client/codec/generate-key';
import { formatKey, parseKeyRing } from '../../../client/codec/key-ring';

const MARKER = 'secret-marker-7f3a"\\é';
const ring = (...keys: ReturnType<typeof generateCodecKey>[]) =>
  parseKeyRing(keys.map(formatKey).join(','), 'KOMPOX_CODEC_KEY');
const payloadOf = (v: unknown) => defaultPayloadConverter.toPayload(v);
const text = (b?: Uint8Array | null) => Buffer.from(b ?? new Uint8Array()).toString('utf8');

describe('encryption codec', () => {
  const oldKey = generateCodecKey('old');
  const newKey = generateCodecKey('new');

  it('round-trips payloads and leaves neither data nor metadata readable', async () => {
    const codec = new EncryptionCodec(ring(oldKey));
    const input = [payloadOf({ password: MARKER }), payloadOf(null), payloadOf(new Uint8Array([1, 2, 3]))];
    const encoded = await codec.encode(input);
    assert.equal(encoded.length, 3);
    for (const p of encoded) {
      assert.equal(text(p.metadata?.encoding), ENCRYPTED_ENCODING);
      assert.equal(text(p.metadata?.[KEY_ID_METADATA]), 'old');
      assert.ok(!Buffer.from(p.data!).includes('secret-marker'), 'plaintext in the ciphertext');
      assert.ok(!Buffer.from(p.data!).includes('json/plain'), 'inner metadata in the clear');
    }
    const decoded = await codec.decode(encoded);
    assert.deepEqual(defaultPayloadConverter.fromPayload(decoded[0]!), { password: MARKER });
    assert.equal(defaultPayloadConverter.fromPayload(decoded[1]!), null);
    assert.deepEqual([...(defaultPayloadConverter.fromPayload(decoded[2]!) as Uint8Array)], [1, 2, 3]);
  });

  it('uses a fresh nonce for every payload', async () => {
    const codec = new EncryptionCodec(ring(oldKey));
    const [a, b] = await codec.encode([payloadOf('same'), payloadOf('same')]);
    assert.notDeepEqual(Buffer.from(a!.data!), Buffer.from(b!.data!));
    assert.notDeepEqual(Buffer.from(a!.data!).subarray(0, 12), Buffer.from(b!.data!).subarray(0, 12));
  });

  it('rotation: a ring with new+old reads old payloads and writes with the new key', async () => {
    const before = await new EncryptionCodec(ring(oldKey)).encode([payloadOf(MARKER)]);
    const rotated = new EncryptionCodec(ring(newKey, oldKey));
    const [read] = await rotated.decode(before);
    assert.equal(defaultPayloadConverter.fromPayload(read!), MARKER);
    const [written] = await rotated.encode([payloadOf(MARKER)]);
    assert.equal(text(written!.metadata?.[KEY_ID_METADATA]), 'new');
    // …and once the old key is dropped, the old payload is refused by name.
    await assert.rejects(new EncryptionCodec(ring(newKey)).decode(before), /codec key "old".*holds "new"/);
  });

  it('refuses an unknown key id, naming it and the ring', async () => {
    const encoded = await new EncryptionCodec(ring(generateCodecKey('gone-2025'))).encode([payloadOf(1)]);
    await assert.rejects(
      new EncryptionCodec(ring(newKey)).decode(encoded),
      /encrypted with codec key "gone-2025", which is not in the key ring from KOMPOX_CODEC_KEY.*add that key/,
    );
  });

  it('refuses tampered ciphertext, a swapped key id and a different key under the same id', async () => {
    const codec = new EncryptionCodec(ring(newKey, oldKey));
    const [good] = await codec.encode([payloadOf(MARKER)]);
    const flipped = Buffer.from(good!.data!);
    flipped[20] = flipped[20]! ^ 1;
    await assert.rejects(codec.decode([{ ...good!, data: flipped }]), /does not decrypt.*altered/);
    const truncated = Buffer.from(good!.data!).subarray(0, 20);
    await assert.rejects(codec.decode([{ ...good!, data: truncated }]), /does not decrypt|too short/);
    // The key id is authenticated: relabelling a payload as another key's fails too.
    const relabelled = { ...good!, metadata: { ...good!.metadata, [KEY_ID_METADATA]: Buffer.from('old') } };
    await assert.rejects(codec.decode([relabelled]), /codec key "old" does not decrypt/);
    const impostor = new EncryptionCodec(ring(generateCodecKey('new')));
    await assert.rejects(impostor.decode([good!]), /codec key "new" does not decrypt/);
  });

  it('passes payloads that were never encrypted through decode unchanged', async () => {
    const plain = payloadOf({ recorded: 'before the codec' });
    const [out] = await new EncryptionCodec(ring(newKey)).decode([plain]);
    assert.equal(out, plain);
  });
});
