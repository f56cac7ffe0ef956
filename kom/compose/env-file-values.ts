// Reads a service's env_file values on demand. Kept apart from the model on purpose: values
// are often secrets, and the model may be recorded in Temporal histories.
import fs from 'node:fs';
import { KomIssues } from '../errors';
import { parseEnvFile } from './env-file';
import type { ComposeService } from './model';

/** The env files' variables merged in order (later files win); throws KomError on bad files. */
export function readServiceEnvFiles(
  service: Pick<ComposeService, 'name' | 'envFiles'>,
): Record<string, string> {
  const issues = new KomIssues();
  const merged: Record<string, string> = {};
  for (const ref of service.envFiles) {
    const stat = fs.lstatSync(ref.absolutePath, { throwIfNoEntry: false });
    if (stat === undefined) {
      if (ref.required)
        issues.error({ file: ref.path, service: service.name }, 'the env file does not exist');
      continue;
    }
    if (!stat.isFile()) {
      issues.error({ file: ref.path, service: service.name }, 'the env file is not a regular file');
      continue;
    }
    const parsed = parseEnvFile(fs.readFileSync(ref.absolutePath, 'utf8'), ref.format);
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
