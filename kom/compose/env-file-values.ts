// Reads a service's env_file values on demand. Kept apart from the model on purpose: values
// are often secrets, so they are read where they are needed (the CLI, when it packs an app
// revision; the worker, from that revision) and never stored in the model.
import fs from 'node:fs';
import { KomIssues } from '../errors';
import { parseEnvFile } from './env-file';
import type { ComposeService } from './model';

/** What reading one referenced file found. */
export type FileRead = { text: string } | { missing: true } | { problem: string };

/** Reads a file the app references by its absolute path (local disk, or an app revision). */
export type FileReader = (absolutePath: string) => FileRead;

export const readLocalFile: FileReader = (absolutePath) => {
  const stat = fs.lstatSync(absolutePath, { throwIfNoEntry: false });
  if (stat === undefined) return { missing: true };
  if (!stat.isFile()) return { problem: 'is not a regular file' };
  return { text: fs.readFileSync(absolutePath, 'utf8') };
};

/** The env files' variables merged in order (later files win); throws KomError on bad files. */
export function readServiceEnvFiles(
  service: Pick<ComposeService, 'name' | 'envFiles'>,
  read: FileReader = readLocalFile,
): Record<string, string> {
  const issues = new KomIssues();
  const merged: Record<string, string> = {};
  for (const ref of service.envFiles) {
    const found = read(ref.absolutePath);
    if ('missing' in found) {
      if (ref.required)
        issues.error({ file: ref.path, service: service.name }, 'the env file does not exist');
      continue;
    }
    if ('problem' in found) {
      issues.error({ file: ref.path, service: service.name }, `the env file ${found.problem}`);
      continue;
    }
    const parsed = parseEnvFile(found.text, ref.format);
    for (const problem of parsed.problems) {
      issues.error(
        {
          file: ref.path,
          service: service.name,
          ...(problem.line !== undefined ? { line: problem.line } : {}),
        },
        problem.message,
      );
    }
    Object.assign(merged, parsed.values);
  }
  issues.throwIfErrors();
  return merged;
}
