import path from 'node:path';

/** Paths in messages: relative to the working directory when inside it, else absolute. */
export function displayPathFrom(cwd: string): (file: string) => string {
  return (file) => {
    const relative = path.relative(cwd, file);
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
  };
}
