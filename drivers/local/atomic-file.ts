// Crash-safe file writes for the local provider's metadata. A reader must only ever see a
// whole old file or a whole new one, and a record that exists must have been fully written,
// even after SIGKILL or power loss: write a temp file, fsync it, then rename (replace) or
// link (create-only) it into place, then fsync the directory so the new name is durable.

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function writeTemp(path: string, data: string | Buffer): Promise<string> {
  await fs.mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  const fh = await fs.open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return tmp;
}

/** Replaces `path` atomically with `data`. */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  const tmp = await writeTemp(path, data);
  try {
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dirname(path));
}

/**
 * Creates `path` with `data` only if it does not exist yet, atomically: of several concurrent
 * callers (threads or processes) exactly one gets `true`. link(2) fails with EEXIST instead of
 * replacing, and the linked file is already complete, so there is no half-written window.
 */
export async function publishFileExclusive(path: string, data: string | Buffer): Promise<boolean> {
  const tmp = await writeTemp(path, data);
  try {
    await fs.link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await fs.rm(tmp, { force: true });
  }
  await fsyncDir(dirname(path));
  return true;
}

/** Parsed JSON of `path`, or undefined if the file does not exist. */
export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
