// The data converter options every Kompox Temporal Client and Worker uses: the encryption
// codec over Temporal's default payload converter.
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import type { KeyRing } from './key-ring';
import { type KeySourceOptions, loadKeyRing } from './key-source';

export function codecDataConverter(ring: KeyRing): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(ring)] };
}

/** Loads the key ring (see key-source.ts) and builds the options; throws CodecKeyError without keys. */
export function loadDataConverter(opts: KeySourceOptions = {}): DataConverter {
  return codecDataConverter(loadKeyRing(opts));
}
