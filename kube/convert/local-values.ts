// LocalValues from the local file system, for rendering a project in place (tests, benchmarks).
// Deploys read from the app revision instead (activities/app-context.ts). The only part of
// kube/convert/ that reads files; the converter itself never does.
import fs from 'node:fs';
import { readServiceEnvFiles } from '../../kom';
import type { LocalValues } from './types';

export function localFileValues(): LocalValues {
  return {
    envFileValues: (service) => readServiceEnvFiles(service),
    readFile: (file) => fs.readFileSync(file.absolutePath),
  };
}
