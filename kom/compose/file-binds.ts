// Single-file relative binds (`./nginx.conf:/etc/nginx/conf.d/x.conf`): mounted read-only from
// a ConfigMap, as a compose `configs:` entry would be. Directories: see directory-seed.ts.
import fs from 'node:fs';
import { quote } from '../errors';
import { dnsLabelOf } from '../kube-name';
import { MAX_FILE_OBJECT_BYTES } from './file-objects';
import type { Reporter } from '../reporter';
import type { FieldPath } from '../yaml-source';
import type { FileObject } from './model';

/** Config names are at most 53 characters (see file-objects.ts); keep room for a suffix. */
const MAX_BIND_NAME = 48;

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
  if (size > MAX_FILE_OBJECT_BYTES) {
    report.error(
      fieldPath,
      `${quote(original)}: the file is ${size} bytes; a single-file bind becomes a ConfigMap, which holds at most ${MAX_FILE_OBJECT_BYTES} bytes. Put the file on an App volume or into the image`,
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
