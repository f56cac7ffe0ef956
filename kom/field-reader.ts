// Typed reading of untyped YAML mappings. Every getter reports a wrong type at the field's path
// instead of throwing, so one pass over a document finds all of its problems. A reader remembers
// which keys were read; `finish` reports the rest as unknown (typos must not pass silently).
import { quote } from './errors';
import type { Reporter } from './reporter';
import type { FieldPath } from './yaml-source';

export type Plain = Record<string, unknown>;

export function isPlainMap(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A YAML scalar a string field accepts: `zone: 1` means the zone named "1". */
function scalarToString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export interface IntOptions {
  min?: number;
  max?: number;
}

export interface ListItem {
  value: unknown;
  path: FieldPath;
}

export class MapReader {
  private readonly used = new Set<string>();

  private constructor(
    readonly report: Reporter,
    readonly value: Plain,
    readonly path: FieldPath,
  ) {}

  /** A reader over `value`; a missing value reads as an empty mapping, a non-mapping is an error. */
  static of(report: Reporter, value: unknown, path: FieldPath): MapReader {
    if (value === undefined || value === null) return new MapReader(report, {}, path);
    if (!isPlainMap(value)) {
      report.error(path, `must be a mapping, got ${quote(value)}`);
      return new MapReader(report, {}, path);
    }
    return new MapReader(report, value, path);
  }

  keys(): string[] {
    return Object.keys(this.value);
  }

  has(key: string): boolean {
    const value = this.value[key];
    return value !== undefined && value !== null;
  }

  at(key: string | number): FieldPath {
    return [...this.path, key];
  }

  /** The raw value; marks the key as known. */
  raw(key: string): unknown {
    this.used.add(key);
    const value = this.value[key];
    return value === null ? undefined : value;
  }

  /** Marks keys as known without reading them. */
  accept(...keys: string[]): void {
    for (const key of keys) this.used.add(key);
  }

  required(key: string): boolean {
    this.used.add(key);
    if (this.has(key)) return true;
    this.report.error(this.at(key), 'is required');
    return false;
  }

  string(key: string): string | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    const text = scalarToString(value);
    if (text === undefined) this.report.error(this.at(key), `must be a string, got ${quote(value)}`);
    return text;
  }

  requiredString(key: string): string | undefined {
    if (!this.required(key)) return undefined;
    const text = this.string(key);
    if (text === '') this.report.error(this.at(key), 'must not be empty');
    return text === '' ? undefined : text;
  }

  bool(key: string): boolean | undefined {
    const value = this.raw(key);
    if (value === undefined || typeof value === 'boolean') return value;
    this.report.error(this.at(key), `must be true or false, got ${quote(value)}`);
    return undefined;
  }

  int(key: string, options: IntOptions = {}): number | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    return readInt(this.report, this.at(key), value, options);
  }

  enumOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.report.error(this.at(key), `must be one of ${allowed.join(', ')}, got ${quote(value)}`);
    return undefined;
  }

  stringList(key: string): string[] | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    return readStringList(this.report, this.at(key), value);
  }

  /** A flat map of scalars, e.g. driver settings; numbers and booleans become strings. */
  stringMap(key: string): Record<string, string> {
    const value = this.raw(key);
    const result: Record<string, string> = {};
    if (value === undefined) return result;
    if (!isPlainMap(value)) {
      this.report.error(this.at(key), `must be a mapping of names to values, got ${quote(value)}`);
      return result;
    }
    for (const [name, item] of Object.entries(value)) {
      if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') {
        result[name] = String(item);
      } else if (item !== null) {
        this.report.error(
          this.at(key).concat(name),
          `must be a string, number or boolean, got ${quote(item)}`,
        );
      }
    }
    return result;
  }

  map(key: string): MapReader {
    return MapReader.of(this.report, this.raw(key), this.at(key));
  }

  list(key: string): ListItem[] {
    const value = this.raw(key);
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.report.error(this.at(key), `must be a list, got ${quote(value)}`);
      return [];
    }
    return value.map((item: unknown, index) => ({ value: item, path: this.at(key).concat(index) }));
  }

  /** Reports every key nobody read, as an error (strict specs) or a warning. */
  finish(severity: 'error' | 'warning', hint = ''): void {
    for (const key of Object.keys(this.value)) {
      if (this.used.has(key)) continue;
      const message = `unknown field${hint}`;
      if (severity === 'error') this.report.error(this.at(key), message);
      else this.report.warn(this.at(key), `${message}; it is ignored`);
    }
  }
}

export function readInt(
  report: Reporter,
  path: FieldPath,
  value: unknown,
  options: IntOptions = {},
): number | undefined {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    report.error(path, `must be a whole number, got ${quote(value)}`);
    return undefined;
  }
  if (options.min !== undefined && value < options.min) {
    report.error(path, `must be at least ${options.min}, got ${value}`);
    return undefined;
  }
  if (options.max !== undefined && value > options.max) {
    report.error(path, `must be at most ${options.max}, got ${value}`);
    return undefined;
  }
  return value;
}

export function readStringList(report: Reporter, path: FieldPath, value: unknown): string[] | undefined {
  if (!Array.isArray(value)) {
    report.error(path, `must be a list of strings, got ${quote(value)}`);
    return undefined;
  }
  const result: string[] = [];
  value.forEach((item: unknown, index) => {
    const text = scalarToString(item);
    if (text === undefined) report.error(path.concat(index), `must be a string, got ${quote(item)}`);
    else result.push(text);
  });
  return result;
}
