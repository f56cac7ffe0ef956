// The local file reference policy (reference §1.5). Only Apps declared in the app file may
// reference local files (compose `file:`, env_file, relative bind mounts, configs/secrets
// `file:`), and only below the app file's directory: relative paths, no `..`, no symlinks, no
// directories or devices where a file is expected. This keeps a shared KOM directory from
// reading arbitrary files of whoever runs kompoxops.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const LOCAL_FILES_DENIED =
  'local file references are only allowed for Apps declared in the Kompox app file (kompoxapp.yml)';

/** The directory local references resolve against, or undefined when they are not allowed. */
export function localBaseDir(refBase: string): string | undefined {
  return refBase.startsWith('file://') ? fileURLToPath(refBase) : undefined;
}

export type LocalPathCheck =
  { ok: true; absolutePath: string; relativePath: string; exists: boolean } | { ok: false; problem: string };

export interface LocalPathOptions {
  /** `file`: must be a regular file (unless `optional`); `directory`: absent or a directory. */
  expect: 'file' | 'directory';
  /** A missing file is fine (env_file with `required: false`). */
  optional?: boolean;
}

export function checkLocalPath(
  baseDir: string,
  reference: string,
  options: LocalPathOptions,
): LocalPathCheck {
  const problem = syntaxProblem(reference);
  if (problem !== undefined) return { ok: false, problem };
  const relativePath = path.posix.normalize(reference.replace(/\\/g, '/')).replace(/\/$/, '');
  let current = baseDir;
  const segments = relativePath === '.' ? [] : relativePath.split('/');
  for (const [index, segment] of segments.entries()) {
    current = path.join(current, segment);
    const stat = fs.lstatSync(current, { throwIfNoEntry: false });
    if (stat === undefined) {
      const missingIsFine = options.expect === 'directory' || options.optional === true;
      if (missingIsFine)
        return { ok: true, absolutePath: path.join(baseDir, relativePath), relativePath, exists: false };
      return { ok: false, problem: `${JSON.stringify(reference)} does not exist` };
    }
    if (stat.isSymbolicLink()) {
      return {
        ok: false,
        problem: `${JSON.stringify(reference)}: ${segments.slice(0, index + 1).join('/')} is a symlink, which is not allowed`,
      };
    }
    const isLast = index === segments.length - 1;
    if (!isLast && !stat.isDirectory()) {
      return {
        ok: false,
        problem: `${JSON.stringify(reference)}: ${segments.slice(0, index + 1).join('/')} is not a directory`,
      };
    }
    if (isLast && options.expect === 'file' && !stat.isFile()) {
      return {
        ok: false,
        problem: `${JSON.stringify(reference)} is not a regular file (directories and devices are not allowed)`,
      };
    }
    if (isLast && options.expect === 'directory' && !stat.isDirectory()) {
      return {
        ok: false,
        problem: `${JSON.stringify(reference)} exists and is not a directory; a bind mount needs a directory`,
      };
    }
  }
  return { ok: true, absolutePath: path.join(baseDir, relativePath), relativePath, exists: true };
}

function syntaxProblem(reference: string): string | undefined {
  if (reference.trim() === '') return 'the path is empty';
  if (path.isAbsolute(reference) || /^[A-Za-z]:[\\/]/.test(reference) || reference.startsWith('~')) {
    return `${JSON.stringify(reference)} is absolute; use a path relative to the app file's directory`;
  }
  if (reference.split(/[\\/]/).includes('..')) {
    return `${JSON.stringify(reference)} contains "..", which is not allowed; keep files below the app file's directory`;
  }
  return undefined;
}
