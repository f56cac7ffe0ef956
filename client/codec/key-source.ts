// Where the CLI and the worker get their codec keys: KOMPOX_CODEC_KEY, else the file named by
// KOMPOX_CODEC_KEY_FILE, else the dev stack's key file. With none there is no key, and the
// caller refuses to talk to Temporal rather than write plaintext payloads.
import { existsSync, readFileSync } from 'node:fs';
import { devCodecKeyFile } from './dev-key';
import { CodecKeyError, type KeyRing, parseKeyRing } from './key-ring';

export const CODEC_KEY_ENV = 'KOMPOX_CODEC_KEY';
export const CODEC_KEY_FILE_ENV = 'KOMPOX_CODEC_KEY_FILE';

export interface KeySourceOptions {
  env?: NodeJS.ProcessEnv;
  /** The dev stack's directory, whose codec.key is the last resort. */
  devDir?: string;
}

export function loadKeyRing(opts: KeySourceOptions = {}): KeyRing {
  const env = opts.env ?? process.env;
  const inline = env[CODEC_KEY_ENV];
  const file = env[CODEC_KEY_FILE_ENV];
  if (inline !== undefined && file !== undefined) {
    throw new CodecKeyError(
      `both ${CODEC_KEY_ENV} and ${CODEC_KEY_FILE_ENV} are set; unset one so it is clear which keys are used`,
    );
  }
  if (inline !== undefined) return parseKeyRing(inline, CODEC_KEY_ENV);
  if (file !== undefined) return parseKeyRing(readKeyFile(file, `${CODEC_KEY_FILE_ENV}=${file}`), file);
  if (opts.devDir && existsSync(devCodecKeyFile(opts.devDir))) {
    const devFile = devCodecKeyFile(opts.devDir);
    return parseKeyRing(readKeyFile(devFile, devFile), devFile);
  }
  throw new CodecKeyError(
    `no payload encryption key: every payload sent to Temporal is encrypted, so set ${CODEC_KEY_ENV} ` +
      `(id:base64key entries) or ${CODEC_KEY_FILE_ENV} (a file of them), the same keys as the worker's; ` +
      'generate one with `kompoxops codec-server --generate-key`, or start the dev stack with `kompoxops dev up`, which makes its own',
  );
}

function readKeyFile(path: string, label: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new CodecKeyError(`cannot read the codec key file ${label} (${code}); point it at a readable file`);
  }
}
