// The checkout this code runs from (compiled files live in dist/, two levels down).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the Kompox checkout above ${__dirname}`);
    dir = parent;
  }
  return dir;
}
