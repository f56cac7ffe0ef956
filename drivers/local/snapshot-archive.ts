// The local provider's snapshot format: a directory tree in one gzip file. No tar library is
// installed and we need very little of tar, so the format is our own and small:
//
//   gzip(
//     "KPXA1\n"                                   magic + version
//     repeated: u32be N (N > 0), N bytes of JSON  entry header {p, t, m, s?, l?}
//               then s bytes of content           for files only
//     u32be 0                                     end marker (a truncated archive has none)
//   )
//
// Header fields: p = path relative to the disk root with `/` separators, t = 'd' | 'f' | 'l'
// (directory, regular file, symlink), m = permission bits, s = file size, l = link target.
// Entries are in sorted walk order, parents before children. Owners, times, hard links and
// special files (sockets, fifos, devices) are not kept. The SHA-256 of the whole .gz file is
// stored in the snapshot's meta.json and checked before anything is extracted.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { join, posix } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { DriverError } from '../errors';
import { type StreamOptions, progressTap, tapped } from './stream-progress';

const MAGIC = Buffer.from('KPXA1\n', 'ascii');
const MAX_HEADER = 64 * 1024;

type EntryType = 'd' | 'f' | 'l';

interface EntryHeader {
  p: string;
  t: EntryType;
  m: number;
  s?: number;
  l?: string;
}

export interface ArchiveSummary {
  /** Hex SHA-256 of the archive file. */
  sha256: string;
  archiveBytes: number;
  /** Sum of file sizes in the tree. */
  dataBytes: number;
  entries: number;
}

function corrupted(message: string, cause?: unknown): DriverError {
  return new DriverError('Corrupted', `snapshot archive: ${message}`, { cause });
}

function frame(header: EntryHeader): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  return Buffer.concat([len, json]);
}

/** Sorted walk, parents first; yields paths relative to root with `/` separators. */
async function* walk(root: string, rel = ''): AsyncGenerator<{ rel: string; abs: string }> {
  const names = (await fs.readdir(join(root, rel))).sort();
  for (const name of names) {
    const r = rel === '' ? name : `${rel}/${name}`;
    yield { rel: r, abs: join(root, r) };
    const st = await fs.lstat(join(root, r));
    if (st.isDirectory()) yield* walk(root, r);
  }
}

/** Reads exactly `size` bytes (a file that shrank while being read is padded with zeros, one that grew is cut). */
async function* fileBytes(path: string, size: number): AsyncGenerator<Buffer> {
  let sent = 0;
  if (size > 0) {
    for await (const chunk of createReadStream(path, { start: 0, end: size - 1 })) {
      const buf = chunk as Buffer;
      sent += buf.length;
      yield buf;
    }
  }
  if (sent < size) yield Buffer.alloc(size - sent);
}

async function* records(
  root: string,
  counts: { dataBytes: number; entries: number },
): AsyncGenerator<Buffer> {
  yield MAGIC;
  for await (const { rel, abs } of walk(root)) {
    const st = await fs.lstat(abs);
    const m = st.mode & 0o7777;
    if (st.isDirectory()) {
      yield frame({ p: rel, t: 'd', m });
    } else if (st.isSymbolicLink()) {
      yield frame({ p: rel, t: 'l', m, l: await fs.readlink(abs) });
    } else if (st.isFile()) {
      yield frame({ p: rel, t: 'f', m, s: st.size });
      yield* fileBytes(abs, st.size);
      counts.dataBytes += st.size;
    } else {
      continue; // special files have no meaning on a cloud disk copy
    }
    counts.entries++;
  }
  yield Buffer.alloc(4); // end marker
}

function hashingTap(hash: ReturnType<typeof createHash>, counter: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      counter.bytes += chunk.length;
      done(null, chunk);
    },
  });
}

/** Writes the tree under `sourceDir` to `archivePath` (fsynced) and returns its checksum. */
export async function writeArchive(
  sourceDir: string,
  archivePath: string,
  options: StreamOptions = {},
): Promise<ArchiveSummary> {
  const counts = { dataBytes: 0, entries: 0 };
  const hash = createHash('sha256');
  const written = { bytes: 0 };
  await pipeline(
    Readable.from(records(sourceDir, counts)),
    progressTap(options),
    createGzip(),
    hashingTap(hash, written),
    createWriteStream(archivePath, { flags: 'wx', flush: true }),
  );
  return { sha256: hash.digest('hex'), archiveBytes: written.bytes, ...counts };
}

export async function fileSha256(path: string, options: StreamOptions = {}): Promise<string> {
  const hash = createHash('sha256');
  // Checksumming reads the whole archive: it reports progress, but is not slowed like the data.
  const { onProgress } = options;
  for await (const chunk of tapped(createReadStream(path), onProgress ? { onProgress } : {}))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Throws Corrupted unless the archive file has the expected SHA-256. */
export async function verifyArchive(
  archivePath: string,
  expectedSha256: string,
  options: StreamOptions = {},
): Promise<void> {
  const actual = await fileSha256(archivePath, options);
  if (actual !== expectedSha256) {
    throw corrupted(`checksum mismatch for ${archivePath}: expected ${expectedSha256}, got ${actual}`);
  }
}

/** Pulls exact byte counts out of a chunked stream. */
class ByteReader {
  private buffered: Buffer[] = [];
  private length = 0;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async fill(n: number): Promise<void> {
    while (this.length < n) {
      const next = await this.source.next();
      if (next.done) throw corrupted('unexpected end of data');
      this.buffered.push(next.value);
      this.length += next.value.length;
    }
  }

  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    this.buffered = n < all.length ? [all.subarray(n)] : [];
    this.length = all.length - n;
    return all.subarray(0, n);
  }

  /** Yields the next n bytes in pieces, without holding them all in memory. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.length === 0) await this.fill(1);
      const piece = await this.read(Math.min(left, this.length));
      left -= piece.length;
      yield piece;
    }
  }

  async atEnd(): Promise<boolean> {
    if (this.length > 0) return false;
    const next = await this.source.next();
    if (next.done) return true;
    this.buffered.push(next.value);
    this.length += next.value.length;
    return next.value.length === 0 ? this.atEnd() : false;
  }
}

function parseHeader(raw: Buffer): EntryHeader {
  let h: EntryHeader;
  try {
    h = JSON.parse(raw.toString('utf8')) as EntryHeader;
  } catch (err) {
    throw corrupted('unreadable entry header', err);
  }
  const pathOk =
    typeof h.p === 'string' &&
    h.p !== '' &&
    !h.p.startsWith('/') &&
    !h.p.includes('\\') &&
    !h.p.includes('\0') &&
    posix.normalize(h.p) === h.p &&
    !h.p.split('/').includes('..');
  const typeOk =
    (h.t === 'd' ||
      (h.t === 'f' && Number.isSafeInteger(h.s) && h.s! >= 0) ||
      (h.t === 'l' && typeof h.l === 'string')) &&
    Number.isInteger(h.m);
  if (!pathOk || !typeOk) throw corrupted(`bad entry header ${raw.toString('utf8').slice(0, 200)}`);
  return h;
}

/**
 * Verifies the checksum, then recreates the tree inside `targetDir` (which must exist and be
 * empty). The format is checked again while reading: paths may not leave the target or pass
 * through a symlink, and the end marker must be present.
 */
export async function extractArchive(
  archivePath: string,
  targetDir: string,
  expectedSha256: string,
  options: StreamOptions = {},
): Promise<{ entries: number; dataBytes: number }> {
  await verifyArchive(archivePath, expectedSha256, options);
  const gunzip = createReadStream(archivePath).pipe(createGunzip());
  const data = tapped(gunzip, options);
  const reader = new ByteReader(data[Symbol.asyncIterator]());
  const symlinks = new Set<string>();
  const dirModes: Array<[string, number]> = [];
  let entries = 0;
  let dataBytes = 0;
  try {
    if (!(await reader.read(MAGIC.length)).equals(MAGIC)) throw corrupted('not a Kompox snapshot archive');
    for (;;) {
      const n = (await reader.read(4)).readUInt32BE(0);
      if (n === 0) break;
      if (n > MAX_HEADER) throw corrupted(`entry header of ${n} bytes`);
      const h = parseHeader(await reader.read(n));
      const parts = h.p.split('/');
      for (let i = 1; i < parts.length; i++) {
        if (symlinks.has(parts.slice(0, i).join('/')))
          throw corrupted(`entry ${h.p} passes through a symlink`);
      }
      const dest = join(targetDir, ...parts);
      if (h.t === 'd') {
        await fs.mkdir(dest, { recursive: true, mode: 0o700 });
        dirModes.push([dest, h.m]);
      } else if (h.t === 'l') {
        await fs.symlink(h.l!, dest);
        symlinks.add(h.p);
      } else {
        await pipeline(
          Readable.from(reader.stream(h.s!)),
          createWriteStream(dest, { flags: 'wx', mode: 0o600 }),
        );
        await fs.chmod(dest, h.m);
        dataBytes += h.s!;
      }
      entries++;
    }
    if (!(await reader.atEnd())) throw corrupted('data after the end marker');
  } catch (err) {
    if (err instanceof DriverError) throw err;
    // zlib reports a damaged stream as a plain Error; name it for what it is.
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_') || code === 'ERR_STREAM_PREMATURE_CLOSE')
      throw corrupted('damaged gzip stream', err);
    throw err;
  } finally {
    gunzip.destroy();
    data.destroy();
  }
  // Directory modes last, deepest first, so read-only directories could still be filled.
  for (const [dir, mode] of dirModes.reverse()) await fs.chmod(dir, mode);
  return { entries, dataBytes };
}
