// A relative directory bind (`./html:/usr/share/nginx/html`) lands on a directory of the App's
// first volume, which starts empty. When the local directory holds files, they are copied there
// once, at the pod's first start, never over a file that is already there. Only references are
// kept here; the converter reads the contents through LocalValues. A directory too large for a
// ConfigMap, or holding links or special files, is not copied, and the user is told which files
// will be missing.
import fs from 'node:fs';
import path from 'node:path';
import { quote } from '../errors';
import type { Reporter } from '../reporter';
import type { FieldPath } from '../yaml-source';
import type { DirectorySeed, SeedFile } from './model';

/** The seed travels in one ConfigMap (binary content grows by a third in base64). */
export const MAX_SEED_BYTES = 512 * 1024;
export const MAX_SEED_FILES = 256;
const LISTED_FILES = 5;

interface Listing {
  files: SeedFile[];
  bytes: number;
  /** A link or special file, which is not copied. */
  other?: string;
}

/** The seed for a bound directory, or undefined when it holds no files or cannot be copied. */
export function directorySeed(
  report: Reporter,
  fieldPath: FieldPath,
  original: unknown,
  absolutePath: string,
  where: string,
): DirectorySeed | undefined {
  const listing = listFiles(absolutePath);
  if (listing.files.length === 0 && listing.other === undefined) return undefined;
  const names = listing.files.map((file) => file.path);
  const shown = `${names.slice(0, LISTED_FILES).join(', ')}${names.length > LISTED_FILES ? ', …' : ''}`;
  const reason =
    listing.other !== undefined
      ? `it holds ${quote(listing.other)}, which is not a regular file`
      : listing.files.length > MAX_SEED_FILES
        ? `it holds more than ${MAX_SEED_FILES} files`
        : listing.bytes > MAX_SEED_BYTES
          ? `its files hold ${listing.bytes} bytes, more than the ${MAX_SEED_BYTES} Kompox copies`
          : undefined;
  if (reason !== undefined) {
    report.warn(
      fieldPath,
      `${quote(original)}: the local directory is not copied (${reason}), so its files (${shown}) will not be in the container: the mount is ${where}, which starts empty. Copy them onto the disk yourself, or build them into the image`,
    );
    return undefined;
  }
  report.warn(
    fieldPath,
    `${quote(original)}: the ${listing.files.length} file(s) of the local directory (${shown}) are copied into ${where} when the pod first starts; files already there are never overwritten, and later local changes are not copied`,
  );
  return { files: listing.files };
}

/** Regular files below `dir`, sorted, up to one more than the limit. */
function listFiles(dir: string): Listing {
  const listing: Listing = { files: [], bytes: 0 };
  const walk = (relative: string): void => {
    const entries = fs
      .readdirSync(path.join(dir, relative), { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (listing.files.length > MAX_SEED_FILES || listing.other !== undefined) return;
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      const absolutePath = path.join(dir, child);
      if (entry.isDirectory()) walk(child);
      else if (!entry.isFile()) listing.other = child;
      // Placeholders that keep an empty directory in git are not content.
      else if (entry.name !== '.gitkeep' && entry.name !== '.keep') {
        listing.files.push({ path: child, absolutePath });
        listing.bytes += fs.statSync(absolutePath).size;
      }
    }
  };
  walk('');
  return listing;
}
