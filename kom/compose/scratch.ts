// Pod-lifetime directories: anonymous volumes (`- /app/node_modules`), tmpfs mounts (the
// `tmpfs:` field and `type: tmpfs` volumes) and `shm_size`. Each becomes an emptyDir, in memory
// where compose meant memory. They are empty when the pod starts, and gone when it stops.
import { quote } from '../errors';
import type { MapReader } from '../field-reader';
import { InvalidQuantityError, parseDockerBytes } from '../quantity';
import type { Reporter } from '../reporter';
import type { FieldPath } from '../yaml-source';
import type { ScratchMount } from './model';
import { appVolumeSuggestion } from './volume-messages';

/** `- /app/node_modules`: Docker copies the image's files in; an emptyDir cannot. */
export function anonymousVolume(
  report: Reporter,
  path: FieldPath,
  target: string,
  readOnly: boolean,
  appVolumes: readonly string[],
): ScratchMount | undefined {
  if (!target.startsWith('/')) {
    report.error(path, `${quote(target)}: an anonymous volume needs an absolute path in the container`);
    return undefined;
  }
  report.warn(
    path,
    `${quote(target)} is an anonymous volume: it becomes an empty directory for the pod's lifetime. Docker would copy the image's files at that path into it; Kubernetes does not, so any files the image has there are hidden. To keep its content across restarts, ${appVolumeSuggestion(appVolumes, target)}`,
  );
  const mount: ScratchMount = { mountPath: target, origin: 'anonymous' };
  if (readOnly) mount.readOnly = true;
  return mount;
}

/** `type: tmpfs` in a service's `volumes:`, with `tmpfs.size`. */
export function tmpfsVolume(entry: MapReader, target: string, readOnly: boolean): ScratchMount | undefined {
  const options = entry.map('tmpfs');
  const size = options.raw('size');
  if (options.has('mode')) options.report.warn(options.at('mode'), 'is ignored: an emptyDir is mode 0777');
  options.accept('mode');
  options.finish('warning');
  if (!target.startsWith('/')) {
    entry.report.error(entry.at('target'), `${quote(target)} must be an absolute path in the container`);
    return undefined;
  }
  const mount: ScratchMount = { mountPath: target, medium: 'Memory', origin: 'tmpfs' };
  if (readOnly) mount.readOnly = true;
  const bytes = size === undefined ? undefined : sizeOf(options.report, options.at('size'), size);
  if (bytes !== undefined) mount.sizeLimitBytes = bytes;
  return mount;
}

/** The service's `tmpfs:` field: a path or a list of `path[:size=64m,mode=1777]`. */
export function readTmpfsField(service: MapReader): ScratchMount[] {
  const value = service.raw('tmpfs');
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  const mounts: ScratchMount[] = [];
  items.forEach((item: unknown, index) => {
    const path = Array.isArray(value) ? service.at('tmpfs').concat(index) : service.at('tmpfs');
    if (typeof item !== 'string' || !item.startsWith('/')) {
      service.report.error(
        path,
        `must be an absolute path like "/run" or "/tmp:size=64m", got ${quote(item)}`,
      );
      return;
    }
    const [target = '', options = ''] = item.split(':', 2);
    const mount: ScratchMount = { mountPath: target, medium: 'Memory', origin: 'tmpfs' };
    for (const option of options === '' ? [] : options.split(',')) {
      const [key, optionValue] = option.split('=', 2);
      if (key === 'size' && optionValue !== undefined) {
        const bytes = sizeOf(service.report, path, optionValue);
        if (bytes !== undefined) mount.sizeLimitBytes = bytes;
      } else {
        service.report.warn(path, `tmpfs option ${quote(option)} is ignored: only size= maps to an emptyDir`);
      }
    }
    mounts.push(mount);
  });
  return mounts;
}

/** `shm_size`: Kubernetes gives containers a 64 MiB /dev/shm; a memory emptyDir there resizes it. */
export function readShmSize(service: MapReader): ScratchMount | undefined {
  const value = service.raw('shm_size');
  if (value === undefined) return undefined;
  const bytes = sizeOf(service.report, service.at('shm_size'), value);
  if (bytes === undefined) return undefined;
  return { mountPath: '/dev/shm', medium: 'Memory', sizeLimitBytes: bytes, origin: 'shm_size' };
}

function sizeOf(report: Reporter, path: FieldPath, value: unknown): number | undefined {
  try {
    return parseDockerBytes(value);
  } catch (error) {
    if (!(error instanceof InvalidQuantityError)) throw error;
    report.error(path, error.message);
    return undefined;
  }
}
