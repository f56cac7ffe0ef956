// The dev stack's codec key: made on the first `dev up`, kept across restarts (histories in
// the dev server's SQLite file stay readable), readable by its owner only.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateCodecKey } from './generate-key';
import { formatKey } from './key-ring';

export function devCodecKeyFile(devDir: string): string {
  return join(devDir, 'codec.key');
}

/** Writes a new key unless the dev directory has one; returns the file. */
export function ensureDevCodecKey(devDir: string): string {
  const file = devCodecKeyFile(devDir);
  if (existsSync(file)) return file;
  mkdirSync(devDir, { recursive: true });
  const k = generateCodecKey(`dev-${Date.now().toString(36)}`);
  try {
    // wx: a concurrent `dev up` that wrote first wins, and both then use its key.
    writeFileSync(file, `# Kompox dev stack payload codec key (id:base64)\n${formatKey(k)}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return file;
}
