// A Reporter files issues at a fixed location (file, document, subject, service) and turns a
// field path into the field name and line of the issue.
import { KomIssues, type KomLocation } from './errors';
import { formatFieldPath, type FieldPath, type LineLookup } from './yaml-source';

const noLines: LineLookup = () => undefined;

export class Reporter {
  constructor(
    readonly issues: KomIssues,
    private readonly location: KomLocation,
    private readonly lineOf: LineLookup = noLines,
    /** Prepended to paths for the line lookup only (e.g. `services.web` for a service). */
    private readonly linePrefix: FieldPath = [],
  ) {}

  error(path: FieldPath, message: string): void {
    this.issues.error(this.locate(path), message);
  }

  warn(path: FieldPath, message: string): void {
    this.issues.warn(this.locate(path), message);
  }

  /** Same place, with more context (a subject or a service). */
  with(extra: Partial<KomLocation>, linePrefix: FieldPath = this.linePrefix): Reporter {
    return new Reporter(this.issues, { ...this.location, ...extra }, this.lineOf, linePrefix);
  }

  get file(): string {
    return this.location.file;
  }

  private locate(path: FieldPath): KomLocation {
    const location: KomLocation = { ...this.location };
    // A missing field has no line of its own: point at the nearest enclosing value instead.
    // The document as a whole has no useful line, so an empty path gets none.
    for (let depth = path.length; depth >= 0; depth--) {
      const fullPath = [...this.linePrefix, ...path.slice(0, depth)];
      if (fullPath.length === 0) break;
      const line = this.lineOf(fullPath);
      if (line !== undefined) {
        location.line = line;
        break;
      }
    }
    if (path.length > 0) location.field = formatFieldPath(path);
    return location;
  }
}
