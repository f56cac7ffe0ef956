// Located problems found while loading KOM and compose files. Loading is all-or-nothing: every
// problem is collected first, then one KomError carries all of them, so a user fixes a file in
// one pass instead of one error per run.

export type KomSeverity = 'error' | 'warning';

/** Where a problem is. `file` is a display path; everything else narrows it down. */
export interface KomLocation {
  file: string;
  /** 1-based position of the YAML document in a multi-document file. */
  document?: number;
  /** 1-based line of the offending value, when the YAML parser could tell. */
  line?: number;
  /** The resource the document declares, e.g. `provider "/ws/x/prv/y"`. */
  subject?: string;
  /** The compose service, for compose problems. */
  service?: string;
  /** Dotted path of the offending field, e.g. `spec.volumes[0].size`. */
  field?: string;
}

export interface KomIssue extends KomLocation {
  severity: KomSeverity;
  message: string;
}

/** `<file> (document 2, line 7)`: where a document or value is. */
export function formatKomPosition(location: Pick<KomLocation, 'file' | 'document' | 'line'>): string {
  const position: string[] = [];
  if (location.document !== undefined) position.push(`document ${location.document}`);
  if (location.line !== undefined) position.push(`line ${location.line}`);
  return position.length > 0 ? `${location.file} (${position.join(', ')})` : location.file;
}

/**
 * One line per issue:
 * `<file> (document 2, line 7): provider "/ws/x/prv/y": spec.driver: ...` or
 * `<file> (line 12): service "web": ports[0]: ...`.
 */
export function formatKomIssue(issue: KomIssue): string {
  const parts = [formatKomPosition(issue)];
  if (issue.subject !== undefined) parts.push(issue.subject);
  if (issue.service !== undefined) parts.push(`service "${issue.service}"`);
  if (issue.field !== undefined && issue.field !== '') parts.push(issue.field);
  // No severity prefix: KomError lists only errors, and callers label warnings their own way.
  return `${parts.join(': ')}: ${issue.message}`;
}

/** Thrown when loading found at least one error; carries every error and warning found. */
export class KomError extends Error {
  override readonly name = 'KomError';
  readonly errors: readonly KomIssue[];
  readonly warnings: readonly KomIssue[];

  constructor(errors: readonly KomIssue[], warnings: readonly KomIssue[] = []) {
    const count = errors.length === 1 ? '1 error' : `${errors.length} errors`;
    super(`${count} in Kompox configuration:\n${errors.map(formatKomIssue).join('\n')}`);
    this.errors = errors;
    this.warnings = warnings;
  }
}

export function isKomError(value: unknown): value is KomError {
  return value instanceof KomError;
}

/** Collects issues; `throwIfErrors` turns them into one KomError. */
export class KomIssues {
  private readonly list: KomIssue[] = [];

  error(location: KomLocation, message: string): void {
    this.list.push({ ...location, severity: 'error', message });
  }

  warn(location: KomLocation, message: string): void {
    this.list.push({ ...location, severity: 'warning', message });
  }

  get errors(): KomIssue[] {
    return this.list.filter((issue) => issue.severity === 'error');
  }

  get warnings(): KomIssue[] {
    return this.list.filter((issue) => issue.severity === 'warning');
  }

  hasErrors(): boolean {
    return this.list.some((issue) => issue.severity === 'error');
  }

  throwIfErrors(): void {
    if (this.hasErrors()) throw new KomError(this.errors, this.warnings);
  }
}

/** Quotes a user value for a message: strings in double quotes, the rest as JSON. */
export function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'nothing';
  try {
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return String(value);
  }
}
