// Service `volumes:` → mounts of App volumes (reference §3.5). Every mount lands on a
// Kompox-managed volume: `vol:/p` (whole volume), `vol/sub/dir:/p` (a sub-directory) and
// `./rel:/p` (sub-directory `rel` of the App's FIRST volume). Host paths and anonymous
// volumes have no meaning on a cluster and are errors.
import { quote } from '../errors';
import { isPlainMap, MapReader } from '../field-reader';
import { checkLocalPath, LOCAL_FILES_DENIED } from '../local-files';
import type { Reporter } from '../reporter';
import type { FieldPath } from '../yaml-source';
import { dnsLabelOf } from '../kube-name';
import type { ScratchMount, VolumeMount } from './model';
import { directorySeed } from './directory-seed';
import { checkFileBind, type FileBinds } from './file-binds';
import { fileKeyProblem } from './file-objects';
import { anonymousVolume, tmpfsVolume } from './scratch';
import { appVolumeSuggestion, undeclaredVolumeMessage } from './volume-messages';

export interface VolumeContext {
  /** App volume names in declaration order; the first receives relative bind mounts. */
  appVolumes: readonly string[];
  /** Where relative bind mounts resolve; undefined when local references are not allowed. */
  baseDir: string | undefined;
  /** Volume names already reported as undeclared: a second error about them is not shown. */
  reportedVolumes: Set<string>;
  /** Collects the configs single-file binds become. */
  fileBinds: FileBinds;
}

/** A single local file bound into a container: mounted from the config `config`. */
export interface FileBindMount {
  origin: 'file-bind';
  config: string;
  target: string;
}

type ServiceMount = VolumeMount | ScratchMount | FileBindMount;

const MODES = new Set(['ro', 'rw', 'z', 'Z', 'nocopy', 'cached', 'delegated', 'consistent']);

export function readVolumeMount(
  report: Reporter,
  path: FieldPath,
  value: unknown,
  context: VolumeContext,
): ServiceMount | undefined {
  if (isPlainMap(value)) return readLongVolume(MapReader.of(report, value, path), context);
  if (typeof value !== 'string') {
    report.error(path, `must be a string like "data:/var/lib/data" or a mapping, got ${quote(value)}`);
    return undefined;
  }
  if (isWindowsPath(value)) {
    report.error(
      path,
      `${quote(value)} starts with a Windows path, which a Linux cluster cannot mount; ${appVolumeSuggestion(context.appVolumes, windowsTarget(value))}, or bind a ./relative path`,
    );
    return undefined;
  }
  const parts = value.split(':');
  if (parts.length === 1) return anonymousVolume(report, path, value, false, context.appVolumes);
  if (parts.length > 3) {
    report.error(
      path,
      `${quote(value)}: write SOURCE:TARGET[:MODE]; ":" is not allowed in the source or target`,
    );
    return undefined;
  }
  const [source = '', target = '', mode = ''] = parts;
  const modes = mode === '' ? [] : mode.split(',');
  const unknownMode = modes.find((item) => !MODES.has(item));
  if (unknownMode !== undefined) {
    report.error(path, `${quote(value)}: unknown mode ${quote(unknownMode)} (use ro or rw)`);
    return undefined;
  }
  return buildMount(report, path, value, { source, target, readOnly: modes.includes('ro') }, context);
}

function readLongVolume(entry: MapReader, context: VolumeContext): ServiceMount | undefined {
  const type = entry.string('type') ?? 'volume';
  const source = entry.string('source') ?? '';
  const target = entry.string('target') ?? '';
  const readOnly = entry.bool('read_only') ?? false;
  const volumeOptions = entry.map('volume');
  const subpath = volumeOptions.string('subpath');
  volumeOptions.accept('nocopy');
  volumeOptions.finish('warning');
  const scratch = type === 'tmpfs' ? tmpfsVolume(entry, target, readOnly) : undefined;
  entry.accept('bind', 'consistency', 'tmpfs');
  entry.finish('warning');
  if (type === 'tmpfs') return scratch;
  if (type !== 'volume' && type !== 'bind') {
    entry.report.error(
      entry.at('type'),
      `${quote(type)} volumes are not supported; use an App volume (type volume or bind) or tmpfs`,
    );
    return undefined;
  }
  if (type === 'volume' && source === '')
    return anonymousVolume(entry.report, entry.path, target, readOnly, context.appVolumes);
  const fullSource = subpath !== undefined && subpath !== '' ? `${source}/${subpath}` : source;
  if (type === 'volume' && isHostPath(source)) {
    entry.report.error(entry.at('source'), `${quote(source)} is a path; use type: bind for ./relative paths`);
    return undefined;
  }
  return buildMount(entry.report, entry.path, entry.value, { source: fullSource, target, readOnly }, context);
}

interface MountParts {
  source: string;
  target: string;
  readOnly: boolean;
}

function buildMount(
  report: Reporter,
  path: FieldPath,
  original: unknown,
  parts: MountParts,
  context: VolumeContext,
): VolumeMount | FileBindMount | undefined {
  const { source, target, readOnly } = parts;
  if (source === '') {
    report.error(path, `${quote(original)}: the source is empty; name an App volume`);
    return undefined;
  }
  if (!target.startsWith('/')) {
    report.error(
      path,
      `${quote(original)}: the target ${quote(target)} must be an absolute path in the container`,
    );
    return undefined;
  }
  if (isHostPath(source)) return bindMount(report, path, original, parts, context);
  const [written = '', ...rest] = source.split('/');
  const subPath = rest.join('/');
  // `db_data` in compose is the App volume `db-data` (either may be declared in KOM).
  const volume = dnsLabelOf(written);
  if (!context.appVolumes.includes(volume)) {
    if (!context.reportedVolumes.has(volume)) {
      report.error(path, `${quote(original)}: ${undeclaredVolumeMessage(written, context.appVolumes)}`);
      context.reportedVolumes.add(volume);
    }
    return undefined;
  }
  if (rest.includes('..') || rest.includes('') || rest.includes('.')) {
    report.error(
      path,
      `${quote(original)}: the sub-path ${quote(subPath)} must be plain directory names (no "..", ".", or "//")`,
    );
    return undefined;
  }
  const mount: VolumeMount = { volume, mountPath: target, readOnly, origin: 'named' };
  if (subPath !== '') mount.subPath = subPath;
  return mount;
}

function bindMount(
  report: Reporter,
  path: FieldPath,
  original: unknown,
  parts: MountParts,
  context: VolumeContext,
): VolumeMount | FileBindMount | undefined {
  if (isWindowsPath(parts.source)) {
    report.error(
      path,
      `${quote(original)}: ${quote(parts.source)} is a Windows path, which a Linux cluster cannot mount; ${appVolumeSuggestion(context.appVolumes, parts.target)}, or bind a ./relative path`,
    );
    return undefined;
  }
  if (parts.source.startsWith('/') || parts.source.startsWith('~')) {
    report.error(
      path,
      `${quote(original)}: host path ${quote(parts.source)} cannot be mounted on a cluster; ${appVolumeSuggestion(context.appVolumes, parts.target)}, or bind a ./relative path`,
    );
    return undefined;
  }
  if (context.baseDir === undefined) {
    report.error(path, `${quote(original)}: ${LOCAL_FILES_DENIED}`);
    return undefined;
  }
  const asFile = checkLocalPath(context.baseDir, parts.source, { expect: 'file', optional: true });
  if (asFile.ok && asFile.exists) {
    const keyProblem = fileKeyProblem(asFile.relativePath);
    if (keyProblem !== undefined) {
      report.error(path, `${quote(original)}: ${keyProblem}`);
      return undefined;
    }
    if (!checkFileBind(report, path, original, asFile.absolutePath, parts.readOnly)) return undefined;
    const config = context.fileBinds.configFor(asFile.relativePath, asFile.absolutePath);
    return { origin: 'file-bind', config: config.name, target: parts.target };
  }
  const first = context.appVolumes[0];
  if (first === undefined) {
    report.error(
      path,
      `${quote(original)}: a relative directory bind lands on the App's first volume, but the App declares none; add one to App spec.volumes, e.g. "- { name: data, size: 10Gi }"`,
    );
    return undefined;
  }
  const checked = checkLocalPath(context.baseDir, parts.source, { expect: 'directory' });
  if (!checked.ok) {
    report.error(path, checked.problem);
    return undefined;
  }
  const mount: VolumeMount = {
    volume: first,
    mountPath: parts.target,
    readOnly: parts.readOnly,
    origin: 'bind',
  };
  if (checked.relativePath !== '.') mount.subPath = checked.relativePath;
  if (checked.exists) {
    const where = `directory ${quote(mount.subPath ?? '/')} of App volume ${quote(first)}`;
    const seed = directorySeed(report, path, original, checked.absolutePath, where);
    if (seed !== undefined) mount.seed = seed;
  }
  return mount;
}

/** The container path of `C:\\data:/data[:ro]`: after the drive letter's colon. */
function windowsTarget(value: string): string {
  return value.slice(2).split(':')[1] ?? '/path';
}

/** `C:\\data` or `C:/data`: compose on Windows accepts these; no Linux node has them. */
export function isWindowsPath(source: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(source) || source.startsWith('\\\\');
}

function isHostPath(source: string): boolean {
  return source.startsWith('.') || source.startsWith('/') || source.startsWith('~') || isWindowsPath(source);
}

export function isScratchMount(mount: ServiceMount): mount is ScratchMount {
  return mount.origin === 'anonymous' || mount.origin === 'tmpfs' || mount.origin === 'shm_size';
}

export function isFileBindMount(mount: ServiceMount): mount is FileBindMount {
  return mount.origin === 'file-bind';
}

export function isVolumeMount(mount: ServiceMount): mount is VolumeMount {
  return mount.origin === 'named' || mount.origin === 'bind';
}
