// LocalValues from the local file system: what the deploy activity (and `app render`) use at
// apply time. The only part of kube/convert/ that reads files; the converter itself never does.
import fs from 'node:fs';
import { readServiceEnvFiles } from '../../kom';
import type { LocalValues } from './types';

export function localFileValues(): LocalValues {
  return {
    envFileValues: (service) => readServiceEnvFiles(service),
    readFile: (file) => fs.readFileSync(file.absolutePath),
  };
}
