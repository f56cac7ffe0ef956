// The data converter options every Kompox Temporal Client and Worker uses: the encryption
// codec over Temporal's default payload converter, and failures whose message and stack trace
// go into an (encrypted) payload.
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import type { KeyRing } from './key-ring';
import { type KeySourceOptions, loadKeyRing } from './key-source';

/** Also given to the workflow bundler: workflows convert their failures inside the sandbox. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

export function codecDataConverter(ring: KeyRing): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(ring)], failureConverterPath: FAILURE_CONVERTER_PATH };
}

/** Loads the key ring (see key-source.ts) and builds the options; throws CodecKeyError without keys. */
export function loadDataConverter(opts: KeySourceOptions = {}): DataConverter {
  return codecDataConverter(loadKeyRing(opts));
}
