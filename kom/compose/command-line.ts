// `entrypoint:` / `command:` as a string are split into words like a shell would (quotes and
// backslashes), without running a shell: compose does the same.
import { quote } from '../errors';
import { readStringList, type MapReader } from '../field-reader';

export class UnclosedQuoteError extends Error {}

export function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quoteChar: '"' | "'" | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text[index] ?? '';
    if (quoteChar === "'") {
      if (char === "'") quoteChar = undefined;
      else current += char;
    } else if (quoteChar === '"') {
      if (char === '"') quoteChar = undefined;
      else if (char === '\\' && ['"', '\\', '$', '`'].includes(text[index + 1] ?? ''))
        current += text[++index];
      else current += char;
    } else if (char === "'" || char === '"') {
      quoteChar = char;
      inWord = true;
    } else if (char === '\\') {
      current += text[++index] ?? '';
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quoteChar !== undefined) throw new UnclosedQuoteError(`unclosed ${quoteChar} quote`);
  if (inWord) words.push(current);
  return words;
}

/** A string (split into words) or a list of strings. */
export function readCommandLine(service: MapReader, key: string): string[] | undefined {
  const value = service.raw(key);
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    try {
      return splitWords(value);
    } catch (error) {
      if (!(error instanceof UnclosedQuoteError)) throw error;
      service.report.error(service.at(key), `${quote(value)}: ${error.message}`);
      return undefined;
    }
  }
  return readStringList(service.report, service.at(key), value);
}
