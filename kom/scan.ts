// Collects the KOM files under the selected sources. Directories are walked recursively with
// the reference's limits, so pointing komPath at a large tree fails clearly instead of slowly.
import fs from 'node:fs';
import path from 'node:path';
import type { KomIssues } from './errors';

export const SCAN_LIMITS = {
  maxFiles: 5000,
  maxFileBytes: 2 * 1024 * 1024,
  maxTotalBytes: 32 * 1024 * 1024,
  maxDepth: 10,
};

const IGNORED_DIRECTORIES = new Set([
  '.git',
  '.github',
  'node_modules',
  'vendor',
  '.direnv',
  '.venv',
  'dist',
  'build',
]);
const YAML_FILE = /\.ya?ml$/i;

export interface ScannedFile {
  /** Absolute, symlinks resolved: the identity used to load each file once. */
  file: string;
  text: string;
}

/** Reads every `.yml`/`.yaml` file under `sources` (files or directories), in a stable order. */
export function scanKomSources(
  sources: readonly string[],
  issues: KomIssues,
  display: (file: string) => string,
): ScannedFile[] {
  const found = new Map<string, ScannedFile>();
  let totalBytes = 0;
  let stopped = false;

  const visit = (entry: string, depth: number): void => {
    if (stopped) return;
    const stat = fs.statSync(entry, { throwIfNoEntry: false });
    if (stat === undefined) return;
    if (stat.isDirectory()) {
      if (depth > SCAN_LIMITS.maxDepth) {
        issues.error(
          { file: display(entry) },
          `directory is nested deeper than ${SCAN_LIMITS.maxDepth} levels`,
        );
        stopped = true;
        return;
      }
      const children = fs
        .readdirSync(entry, { withFileTypes: true })
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const child of children) {
        if (child.isDirectory() && IGNORED_DIRECTORIES.has(child.name)) continue;
        if (!child.isDirectory() && !YAML_FILE.test(child.name)) continue;
        visit(path.join(entry, child.name), depth + 1);
      }
      return;
    }
    if (!stat.isFile()) return;
    const real = fs.realpathSync(entry);
    if (found.has(real)) return;
    if (stat.size > SCAN_LIMITS.maxFileBytes) {
      issues.error(
        { file: display(entry) },
        `larger than ${SCAN_LIMITS.maxFileBytes} bytes; KOM files are small`,
      );
      return;
    }
    totalBytes += stat.size;
    if (found.size + 1 > SCAN_LIMITS.maxFiles || totalBytes > SCAN_LIMITS.maxTotalBytes) {
      issues.error(
        { file: display(entry) },
        `too many KOM files (limits: ${SCAN_LIMITS.maxFiles} files, ${SCAN_LIMITS.maxTotalBytes} bytes); point komPath at a smaller directory`,
      );
      stopped = true;
      return;
    }
    found.set(real, { file: real, text: fs.readFileSync(real, 'utf8') });
  };

  for (const source of sources) visit(source, 0);
  return [...found.values()];
}
