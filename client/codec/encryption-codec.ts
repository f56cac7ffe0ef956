// Temporal's encryption pattern: a PayloadCodec that turns every payload the CLI or the worker
// sends into AES-256-GCM ciphertext before it leaves the process, so the server, its database
// and anyone reading histories see no app data. The whole Payload proto is encrypted, its
// metadata (the JSON encoding, type hints) included.
//   data     = 12-byte random nonce ‖ ciphertext ‖ 16-byte GCM tag
//   metadata = { encoding: binary/encrypted, encryption-key-id: <id> }
// The key id is also the GCM additional data, so a payload whose id was swapped fails to
// decrypt instead of being read with another key.
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyRing } from './key-ring';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A payload this codec cannot decrypt: the message names the key id and what to do. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly ring: KeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.ring.primary;
    return payloads.map((payload) => {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(id));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(id) },
        data,
      };
    });
  }

  // Payloads without our encoding pass through unchanged, so histories written before the
  // codec was turned on (and the recorded histories the replay test reads) still decode.
  // This is safe for secrets because encode never emits plaintext: what we write is always
  // encrypted, and a plaintext payload can only come from a writer without the key, who could
  // start or signal workflows on this namespace anyway. Who may do that is the Temporal
  // server's access control (mTLS, authorizer), not this codec's.
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const id = text(payload.metadata?.[KEY_ID_METADATA]);
      if (!id) throw new PayloadDecryptionError(`an encrypted payload has no ${KEY_ID_METADATA} metadata`);
      const key = this.ring.byId.get(id);
      if (!key) {
        throw new PayloadDecryptionError(
          `a payload is encrypted with codec key "${id}", which is not in the key ring from ${this.ring.source} ` +
            `(it holds ${[...this.ring.byId.keys()].map((k) => `"${k}"`).join(', ')}); add that key to the ring`,
        );
      }
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < NONCE_BYTES + TAG_BYTES) {
        throw new PayloadDecryptionError(`an encrypted payload (key "${id}") is too short to be one`);
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE_BYTES));
        decipher.setAAD(Buffer.from(id));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([
          decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)),
          decipher.final(),
        ]);
        return temporal.api.common.v1.Payload.decode(plain);
      } catch {
        throw new PayloadDecryptionError(
          `a payload encrypted with codec key "${id}" does not decrypt with the key of that id in ${this.ring.source}: ` +
            'the payload was altered, or the ring holds a different key under that id',
        );
      }
    });
  }
}
