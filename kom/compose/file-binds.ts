// Relative bind mounts of local content. A single file (`./nginx.conf:/etc/nginx/conf.d/x.conf`)
// is mounted read-only from a ConfigMap, as a compose `configs:` entry would be. A directory
// lands on the App's first volume, which starts empty: the files it holds locally will not be
// there, and the user is told which.
import fs from 'node:fs';
import path from 'node:path';
import { quote } from '../errors';
import { dnsLabelOf } from '../kube-name';
import type { Reporter } from '../reporter';
import type { FieldPath } from '../yaml-source';
import type { FileObject } from './model';

/** The API server refuses a ConfigMap larger than this. */
export const MAX_BIND_FILE_BYTES = 1024 * 1024;
/** Config names are at most 53 characters (see file-objects.ts); keep room for a suffix. */
const MAX_BIND_NAME = 48;
const LISTED_FILES = 5;

/** Configs made from single-file binds, one per local file, shared by every service binding it. */
export class FileBinds {
  private readonly byPath = new Map<string, FileObject>();
  private readonly names = new Set<string>();

  constructor(private readonly takenNames: ReadonlySet<string>) {}

  /** The config for the local file `relativePath`, created on first use. */
  configFor(relativePath: string, absolutePath: string): FileObject {
    const existing = this.byPath.get(relativePath);
    if (existing !== undefined) return existing;
    const base = `bind-${dnsLabelOf(relativePath.replace(/\//g, '-'))}`
      .replace(/[^-a-z0-9]/g, '-')
      .slice(0, MAX_BIND_NAME)
      .replace(/-+$/, '');
    let name = base;
    for (let suffix = 2; this.names.has(name) || this.takenNames.has(name); suffix++)
      name = `${base}-${suffix}`;
    this.names.add(name);
    const object: FileObject = {
      name,
      kubeName: name,
      source: { kind: 'file', path: relativePath, absolutePath },
    };
    this.byPath.set(relativePath, object);
    return object;
  }

  objects(): FileObject[] {
    return [...this.byPath.values()];
  }
}

/** Checks the file fits a ConfigMap and warns when the bind was writable. */
export function checkFileBind(
  report: Reporter,
  fieldPath: FieldPath,
  original: unknown,
  absolutePath: string,
  readOnly: boolean,
): boolean {
  const size = fs.statSync(absolutePath).size;
  if (size > MAX_BIND_FILE_BYTES) {
    report.error(
      fieldPath,
      `${quote(original)}: the file is ${size} bytes; a single-file bind becomes a ConfigMap, which holds at most ${MAX_BIND_FILE_BYTES} bytes. Put the file on an App volume or into the image`,
    );
    return false;
  }
  if (!readOnly) {
    report.warn(
      fieldPath,
      `${quote(original)}: the file is mounted read-only from a ConfigMap (add :ro to say so); the container cannot change it, and edits to the local file reach the pod at the next deploy`,
    );
  }
  return true;
}

/**
 * Warns when a bound local directory holds files: the mount is a directory on the App's disk,
 * which does not have them.
 */
export function warnAboutDirectoryContent(
  report: Reporter,
  fieldPath: FieldPath,
  original: unknown,
  absolutePath: string,
  where: string,
): void {
  const files = listFiles(absolutePath, LISTED_FILES + 1);
  if (files.length === 0) return;
  const shown = files.slice(0, LISTED_FILES).join(', ');
  const more = files.length > LISTED_FILES ? ', …' : '';
  report.warn(
    fieldPath,
    `${quote(original)}: the local directory holds files (${shown}${more}) that will not be in the container: the mount is ${where}, which starts empty. Copy them onto the disk once, or build them into the image`,
  );
}

/** Up to `limit` file paths below `dir`, relative to it, in a stable order. */
function listFiles(dir: string, limit: number): string[] {
  const found: string[] = [];
  const walk = (relative: string): void => {
    const entries = fs
      .readdirSync(path.join(dir, relative), { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (found.length >= limit) return;
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      // Placeholders that keep an empty directory in git are not content.
      else if (entry.name !== '.gitkeep' && entry.name !== '.keep') found.push(child);
    }
  };
  walk('');
  return found;
}
