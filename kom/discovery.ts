// Where a project's files are (reference §1.5): KOMPOX_ROOT, KOMPOX_DIR, the app file and the
// KOM sources. Everything comes in through DiscoveryOptions, so the CLI, workers and tests
// can each say what their cwd, environment and flags are.
import fs from 'node:fs';
import path from 'node:path';
import { KomError, KomIssues, quote } from './errors';

export const KOMPOX_DIR_NAME = '.kompox';
export const APP_FILE_NAME = 'kompoxapp.yml';

export interface ProjectFlags {
  /** `-C DIR`: act as if started in DIR. */
  chdir?: string;
  kompoxRoot?: string;
  kompoxDir?: string;
  /** `--kom-app FILE` */
  komApp?: string;
  /** `--kom-path P` (repeatable) */
  komPath?: string[];
  appId?: string;
  appName?: string;
}

export interface DiscoveryOptions {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  flags?: ProjectFlags;
}

export interface ProjectLocation {
  /** The working directory after `chdir`. */
  cwd: string;
  root: string;
  kompoxDir: string;
  /** Absolute path of the app file, when there is one. */
  appFile?: string;
}

/** Which level of the KOM source precedence supplied the paths (only one is ever used). */
export type KomSourceLevel = 'flag' | 'env' | 'defaults' | 'config' | 'default' | 'none';

export interface KomSources {
  level: KomSourceLevel;
  /** Absolute paths of files or directories. */
  paths: string[];
}

function fail(file: string, message: string): never {
  throw new KomError([{ severity: 'error', file, message }]);
}

export function locateProject(options: DiscoveryOptions): ProjectLocation {
  const flags = options.flags ?? {};
  const cwd = path.resolve(options.cwd, flags.chdir ?? '.');
  if (!isDirectory(cwd)) fail(cwd, 'the working directory (-C) does not exist or is not a directory');

  const rootSetting = flags.kompoxRoot ?? nonEmpty(options.env.KOMPOX_ROOT);
  let root: string;
  if (rootSetting !== undefined) {
    root = path.resolve(cwd, rootSetting);
    if (!isDirectory(root)) fail(root, 'KOMPOX_ROOT is not a directory');
  } else {
    const found = findUpwards(cwd, KOMPOX_DIR_NAME);
    if (found === undefined) {
      fail(
        cwd,
        `no ${KOMPOX_DIR_NAME} directory here or in any parent; run "kompoxops init" or set KOMPOX_ROOT`,
      );
    }
    root = found;
  }
  const dirSetting = flags.kompoxDir ?? nonEmpty(options.env.KOMPOX_DIR);
  const kompoxDir =
    dirSetting !== undefined ? path.resolve(cwd, dirSetting) : path.join(root, KOMPOX_DIR_NAME);

  const location: ProjectLocation = { cwd, root, kompoxDir };
  const explicitAppFile = flags.komApp ?? nonEmpty(options.env.KOMPOX_KOM_APP);
  if (explicitAppFile !== undefined) {
    const appFile = path.resolve(cwd, explicitAppFile);
    if (!isFile(appFile)) fail(appFile, 'the app file (--kom-app / KOMPOX_KOM_APP) does not exist');
    location.appFile = appFile;
  } else if (isFile(path.join(cwd, APP_FILE_NAME))) {
    location.appFile = path.join(cwd, APP_FILE_NAME);
  }
  return location;
}

export interface KomSourceInputs {
  /** Defaults spec.komPath of the app file, as written. */
  defaultsKomPath?: readonly string[];
  /** `.kompox/config.yml` komPath, as written. */
  configKomPath?: readonly string[];
}

/** The first non-empty level wins; nothing is merged across levels. */
export function selectKomSources(
  location: ProjectLocation,
  options: DiscoveryOptions,
  inputs: KomSourceInputs,
  issues: KomIssues,
  display: (file: string) => string,
): KomSources {
  const flagPaths = options.flags?.komPath ?? [];
  const envPaths = (options.env.KOMPOX_KOM_PATH ?? '').split(path.delimiter).filter((entry) => entry !== '');
  const candidates: [KomSourceLevel, string[], string][] = [
    ['flag', flagPaths.map((entry) => path.resolve(location.cwd, entry)), '--kom-path'],
    ['env', envPaths.map((entry) => path.resolve(location.cwd, entry)), 'KOMPOX_KOM_PATH'],
    [
      'defaults',
      defaultsPaths(location, inputs.defaultsKomPath ?? [], issues, display),
      'Defaults spec.komPath',
    ],
    [
      'config',
      (inputs.configKomPath ?? []).map((entry) => path.resolve(location.kompoxDir, entry)),
      `${KOMPOX_DIR_NAME}/config.yml komPath`,
    ],
  ];
  for (const [level, paths, origin] of candidates) {
    if (paths.length === 0) continue;
    for (const entry of paths) {
      if (!fs.existsSync(entry))
        issues.error({ file: display(entry) }, `does not exist (listed in ${origin})`);
    }
    return { level, paths };
  }
  const defaultDir = path.join(location.kompoxDir, 'kom');
  return isDirectory(defaultDir) ? { level: 'default', paths: [defaultDir] } : { level: 'none', paths: [] };
}

/**
 * Defaults komPath: relative to the app file, `$KOMPOX_ROOT`/`$KOMPOX_DIR` expanded, and -- as
 * the app file may come from anywhere -- confined to the project's root or Kompox directory.
 */
function defaultsPaths(
  location: ProjectLocation,
  entries: readonly string[],
  issues: KomIssues,
  display: (file: string) => string,
): string[] {
  if (location.appFile === undefined) return [];
  const appFile = location.appFile;
  const base = path.dirname(appFile);
  const result: string[] = [];
  for (const entry of entries) {
    const problem = (message: string): void =>
      issues.error(
        { file: display(appFile), subject: 'Defaults', field: 'spec.komPath' },
        `${quote(entry)}: ${message}`,
      );
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) {
      problem('URLs are not supported; use a local file or directory');
      continue;
    }
    if (/[*?[\]]/.test(entry)) {
      problem('globs are not supported; name a file or directory');
      continue;
    }
    const expanded = entry.replace(/\$\{?(KOMPOX_ROOT|KOMPOX_DIR)\}?/g, (_match, name: string) =>
      name === 'KOMPOX_ROOT' ? location.root : location.kompoxDir,
    );
    const resolved = path.resolve(base, expanded);
    const real = fs.existsSync(resolved) ? fs.realpathSync(resolved) : resolved;
    const inside = [location.root, location.kompoxDir].some((boundary) =>
      isInside(realOrSelf(boundary), real),
    );
    if (!inside) {
      problem(
        `resolves to ${real}, outside KOMPOX_ROOT (${location.root}) and KOMPOX_DIR (${location.kompoxDir})`,
      );
      continue;
    }
    result.push(real);
  }
  return result;
}

function realOrSelf(file: string): string {
  return fs.existsSync(file) ? fs.realpathSync(file) : file;
}

export function isInside(directory: string, file: string): boolean {
  const relative = path.relative(directory, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function findUpwards(start: string, name: string): string | undefined {
  for (let directory = start; ; directory = path.dirname(directory)) {
    if (isDirectory(path.join(directory, name))) return directory;
    if (path.dirname(directory) === directory) return undefined;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function isDirectory(file: string): boolean {
  return fs.statSync(file, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function isFile(file: string): boolean {
  return fs.statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}
