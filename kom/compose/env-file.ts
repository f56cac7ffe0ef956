// Env files (`env_file:` and the `.env` used for interpolation): `.env` lines, or a flat
// YAML/JSON object. Values are secrets as often as not: they stay in memory and never enter the
// compose model.
import { parseYamlDocuments } from '../yaml-source';

export type EnvFileFormat = 'env' | 'yaml' | 'json';

export const MAX_ENV_FILE_BYTES = 1_000_000;

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Control characters other than tab, newline and carriage return have no place in a value.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export interface EnvFileProblem {
  line?: number;
  message: string;
}

export interface ParsedEnvFile {
  values: Record<string, string>;
  problems: EnvFileProblem[];
}

export function envFileFormatOf(file: string): EnvFileFormat {
  if (/\.ya?ml$/i.test(file)) return 'yaml';
  if (/\.json$/i.test(file)) return 'json';
  return 'env';
}

export function parseEnvFile(text: string, format: EnvFileFormat): ParsedEnvFile {
  if (Buffer.byteLength(text, 'utf8') > MAX_ENV_FILE_BYTES) {
    return { values: {}, problems: [{ message: `is larger than ${MAX_ENV_FILE_BYTES} bytes` }] };
  }
  const parsed = format === 'env' ? parseDotEnv(text) : parseStructured(text, format);
  for (const [key, value] of Object.entries(parsed.values)) {
    if (CONTROL.test(value))
      parsed.problems.push({ message: `the value of ${key} contains control characters` });
  }
  return parsed;
}

/**
 * `.env` syntax: `KEY=value`, optional `export `, `#` comment lines. Double quotes know
 * `\\ \" \n \r \t`; single quotes are literal; an unquoted value runs to the end of the line
 * (a `#` inside it is part of the value). No `${}` expansion.
 */
function parseDotEnv(text: string): ParsedEnvFile {
  const values: Record<string, string> = {};
  const problems: EnvFileProblem[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const body = trimmed.startsWith('export ') ? trimmed.slice('export '.length).trimStart() : trimmed;
    const equals = body.indexOf('=');
    if (equals === -1) {
      problems.push({ line: index + 1, message: 'expected KEY=VALUE' });
      return;
    }
    const key = body.slice(0, equals).trim();
    if (!KEY.test(key)) {
      problems.push({
        line: index + 1,
        message: `${JSON.stringify(key)} is not a variable name (letters, digits, _)`,
      });
      return;
    }
    const value = unquote(body.slice(equals + 1));
    if (value === undefined) {
      problems.push({ line: index + 1, message: `the value of ${key} has an unclosed quote` });
      return;
    }
    values[key] = value;
  });
  return { values, problems };
}

function unquote(raw: string): string | undefined {
  const quoteChar = raw[0];
  if (quoteChar !== '"' && quoteChar !== "'") return raw;
  const end = closingQuote(raw, quoteChar);
  if (end === -1) return undefined;
  const inner = raw.slice(1, end);
  if (quoteChar === "'") return inner;
  const escapes: Record<string, string> = { '\\': '\\', '"': '"', n: '\n', r: '\r', t: '\t' };
  return inner.replace(/\\(.)/g, (match, char: string) => escapes[char] ?? match);
}

function closingQuote(raw: string, quoteChar: string): number {
  for (let index = 1; index < raw.length; index++) {
    if (quoteChar === '"' && raw[index] === '\\') index++;
    else if (raw[index] === quoteChar) return index;
  }
  return -1;
}

function parseStructured(text: string, format: 'yaml' | 'json'): ParsedEnvFile {
  const values: Record<string, string> = {};
  const problems: EnvFileProblem[] = [];
  let data: unknown;
  if (format === 'json') {
    try {
      data = JSON.parse(text);
    } catch (error) {
      return {
        values,
        problems: [{ message: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` }],
      };
    }
  } else {
    const parsed = parseYamlDocuments(text);
    const first = parsed.errors[0];
    if (first !== undefined) {
      return {
        values,
        problems: [
          {
            ...(first.line !== undefined ? { line: first.line } : {}),
            message: `invalid YAML: ${first.message}`,
          },
        ],
      };
    }
    data = parsed.documents[0]?.value ?? {};
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { values, problems: [{ message: 'must be a flat mapping of variable names to values' }] };
  }
  for (const [key, value] of Object.entries(data)) {
    if (!KEY.test(key))
      problems.push({ message: `${JSON.stringify(key)} is not a variable name (letters, digits, _)` });
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      values[key] = String(value);
    else problems.push({ message: `the value of ${key} must be a string, number or boolean` });
  }
  return { values, problems };
}
