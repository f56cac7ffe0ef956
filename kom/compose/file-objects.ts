// Compose `configs:` and `secrets:`: top-level definitions (`file:`, `content:`, external) and
// the services' references to them, each mounted as a single read-only file.
import fs from 'node:fs';
import { quote } from '../errors';
import { isPlainMap, MapReader } from '../field-reader';
import { checkLocalPath, LOCAL_FILES_DENIED } from '../local-files';
import type { Reporter } from '../reporter';
import { collisionMessage, dnsLabelOf, MappedNames, mappedNameProblem } from '../kube-name';
import type { FieldPath } from '../yaml-source';
import type { FileMount, FileObject } from './model';

export type FileObjectKind = 'configs' | 'secrets';

/** Reads the raw text of a scalar, to tell `mode: 0440` (octal) from `mode: 440`. */
export type ScalarSource = (path: FieldPath) => string | undefined;

export function readFileObjects(
  top: MapReader,
  kind: FileObjectKind,
  baseDir: string | undefined,
): FileObject[] {
  const section = top.map(kind);
  const objects: FileObject[] = [];
  const seen = new MappedNames();
  for (const name of section.keys()) {
    const entry = section.map(name);
    const kubeName = dnsLabelOf(name);
    const other = seen.claim(name, kubeName);
    if (other !== undefined) {
      entry.report.error(entry.path, collisionMessage(kind, name, other, kubeName));
      continue;
    }
    const object = readFileObject(entry, name, kubeName, baseDir);
    if (object !== undefined) objects.push(object);
  }
  return objects;
}

/** The API server refuses a larger ConfigMap or Secret. */
export const MAX_FILE_OBJECT_BYTES = 1024 * 1024;

/** The pod volume is `cfg-<name>-m0440` at most, and a pod volume name is a DNS label. */
const MAX_FILE_OBJECT_NAME = 63 - 'cfg-'.length - '-m0440'.length;

function readFileObject(
  entry: MapReader,
  name: string,
  kubeName: string,
  baseDir: string | undefined,
): FileObject | undefined {
  const file = entry.string('file');
  const content = entry.string('content');
  const external = entry.bool('external');
  const externalName = entry.string('name');
  if (entry.has('environment')) {
    entry.report.error(
      entry.at('environment'),
      'values from the environment are not supported; use file: or content:',
    );
  }
  entry.accept('environment', 'labels', 'template_driver', 'driver', 'driver_opts');
  entry.finish('warning');
  // The mapped name becomes part of Kubernetes object and pod volume names.
  const problem = mappedNameProblem(name, kubeName, MAX_FILE_OBJECT_NAME);
  if (problem !== undefined) {
    entry.report.error(entry.path, `${problem}; rename it`);
    return undefined;
  }
  // A bare `name:` refers to an object that must already exist, like `external: true`.
  const isExternal =
    external === true || (externalName !== undefined && file === undefined && content === undefined);
  if ([file !== undefined, content !== undefined, isExternal].filter(Boolean).length !== 1) {
    entry.report.error(entry.path, 'needs exactly one of file:, content: or external: true');
    return undefined;
  }
  if (content !== undefined) return { name, kubeName, source: { kind: 'content', content } };
  if (file === undefined) return { name, kubeName, source: { kind: 'external', name: externalName ?? name } };
  if (baseDir === undefined) {
    entry.report.error(entry.at('file'), `${quote(file)}: ${LOCAL_FILES_DENIED}`);
    return undefined;
  }
  const checked = checkLocalPath(baseDir, file, { expect: 'file' });
  if (!checked.ok) {
    entry.report.error(entry.at('file'), checked.problem);
    return undefined;
  }
  const keyProblem = fileKeyProblem(checked.relativePath);
  if (keyProblem !== undefined) {
    entry.report.error(entry.at('file'), keyProblem);
    return undefined;
  }
  const size = fs.statSync(checked.absolutePath).size;
  if (size > MAX_FILE_OBJECT_BYTES) {
    entry.report.error(
      entry.at('file'),
      `${quote(file)} is ${size} bytes; a ConfigMap or Secret holds at most ${MAX_FILE_OBJECT_BYTES} bytes. Put the file on an App volume or into the image`,
    );
    return undefined;
  }
  return {
    name,
    kubeName,
    source: { kind: 'file', path: checked.relativePath, absolutePath: checked.absolutePath },
  };
}

/** A service's `configs:`/`secrets:` list; `defined` is the top-level names. */
export function readFileMounts(
  service: MapReader,
  kind: FileObjectKind,
  defined: ReadonlySet<string>,
  scalarSource: ScalarSource,
): FileMount[] {
  const mounts: FileMount[] = [];
  for (const item of service.list(kind)) {
    const mount = readFileMount(service.report, item.path, item.value, kind, scalarSource);
    if (mount === undefined) continue;
    if (!defined.has(mount.source)) {
      service.report.error(
        item.path,
        `${quote(mount.source)} is not defined under the top-level ${kind}: section`,
      );
      continue;
    }
    mounts.push(mount);
  }
  return mounts;
}

function readFileMount(
  report: Reporter,
  path: FieldPath,
  value: unknown,
  kind: FileObjectKind,
  scalarSource: ScalarSource,
): FileMount | undefined {
  if (typeof value === 'string') return { source: value, target: defaultTarget(kind, value) };
  if (!isPlainMap(value)) {
    report.error(path, `must be a name or a mapping with source/target, got ${quote(value)}`);
    return undefined;
  }
  const entry = MapReader.of(report, value, path);
  const source = entry.requiredString('source');
  const target = entry.string('target');
  const mode = entry.raw('mode');
  for (const key of ['uid', 'gid'] as const) {
    if (entry.has(key)) entry.report.warn(entry.at(key), 'file ownership is not supported and is ignored');
  }
  entry.accept('uid', 'gid');
  entry.finish('warning');
  if (source === undefined) return undefined;
  const mount: FileMount = { source, target: defaultTarget(kind, target ?? source) };
  if (mode !== undefined) {
    const parsed = parseMode(mode, scalarSource(entry.at('mode')));
    if (parsed === undefined)
      entry.report.error(entry.at('mode'), `${quote(mode)} is not a file mode; write it in octal, e.g. 0440`);
    else mount.mode = parsed;
  }
  return mount;
}

/** Configs default to `/<name>`, secrets to `/run/secrets/<name>`; relative targets go there too. */
function defaultTarget(kind: FileObjectKind, target: string): string {
  if (target.startsWith('/')) return target;
  return kind === 'secrets' ? `/run/secrets/${target}` : `/${target}`;
}

/** YAML 1.2 reads `0440` as decimal 440; compose means octal, so look at the text. */
function parseMode(value: unknown, text: string | undefined): number | undefined {
  const written = (text ?? String(value)).trim();
  let mode: number | undefined;
  if (/^0o?[0-7]+$/.test(written)) mode = parseInt(written.replace(/^0o?/, '') || '0', 8);
  else if (/^\d+$/.test(written)) mode = Number(written);
  return mode !== undefined && mode <= 0o7777 ? mode : undefined;
}

/** ConfigMap and Secret keys (the file's base name here) allow letters, digits, '-', '_' and '.'. */
export function fileKeyProblem(relativePath: string): string | undefined {
  const key = relativePath.split('/').pop() ?? '';
  if (/^[-._a-zA-Z0-9]+$/.test(key)) return undefined;
  return `the file name ${quote(key)} cannot be a ConfigMap/Secret key (letters, digits, '-', '_', '.'); rename the file`;
}
