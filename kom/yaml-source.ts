// Multi-document YAML parsing that keeps each document's 1-based index and a way back from a
// field path to its line, so errors can point at the exact value.
import { isNode, isScalar, LineCounter, parseAllDocuments, type Document } from 'yaml';

export type FieldPath = readonly (string | number)[];

export type LineLookup = (path: FieldPath) => number | undefined;

export interface YamlDocument {
  /** 1-based position in the file. */
  index: number;
  /** Plain JavaScript value (maps become objects, sequences arrays). */
  value: unknown;
  lineOf: LineLookup;
  /** The text of a scalar as written (`0440` stays `0440`, where the value is 440). */
  scalarSource: (path: FieldPath) => string | undefined;
}

export interface YamlSyntaxError {
  document: number;
  line?: number;
  message: string;
}

export interface ParsedYaml {
  documents: YamlDocument[];
  errors: YamlSyntaxError[];
}

export interface YamlParseOptions {
  /** Accept YAML 1.1 merge keys (`<<: *anchor`), which compose files use a lot. */
  mergeKeys?: boolean;
}

export function parseYamlDocuments(text: string, options: YamlParseOptions = {}): ParsedYaml {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, {
    lineCounter,
    merge: options.mergeKeys ?? false,
    prettyErrors: false,
  });
  const docs: Document[] = Array.isArray(parsed) ? parsed : [];
  const documents: YamlDocument[] = [];
  const errors: YamlSyntaxError[] = [];
  docs.forEach((doc, position) => {
    const index = position + 1;
    for (const error of doc.errors) {
      errors.push({ document: index, line: lineCounter.linePos(error.pos[0]).line, message: error.message });
    }
    if (doc.errors.length > 0) return;
    const lineOf: LineLookup = (path) => {
      const node: unknown = path.length === 0 ? doc.contents : doc.getIn(path, true);
      if (!isNode(node) || node.range == null) return undefined;
      return lineCounter.linePos(node.range[0]).line;
    };
    const scalarSource = (path: FieldPath): string | undefined => {
      const node: unknown = doc.getIn(path, true);
      return isScalar(node) ? node.source : undefined;
    };
    documents.push({ index, value: doc.toJS({ maxAliasCount: 1000 }) as unknown, lineOf, scalarSource });
  });
  return { documents, errors };
}

/** `spec.volumes[0].size` */
export function formatFieldPath(path: FieldPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text;
}
