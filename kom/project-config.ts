// `.kompox/config.yml`: only komPath matters to loading; the rest belongs to other parts.
import fs from 'node:fs';
import path from 'node:path';
import { KomIssues } from './errors';
import { MapReader } from './field-reader';
import { Reporter } from './reporter';
import { parseYamlDocuments } from './yaml-source';

export interface ProjectConfig {
  file: string;
  /** As written: relative paths are relative to $KOMPOX_DIR. */
  komPath?: string[];
}

export function readProjectConfig(
  kompoxDir: string,
  issues: KomIssues,
  display: (file: string) => string,
): ProjectConfig | undefined {
  const file = path.join(kompoxDir, 'config.yml');
  if (!fs.existsSync(file)) return undefined;
  const parsed = parseYamlDocuments(fs.readFileSync(file, 'utf8'));
  for (const error of parsed.errors) {
    issues.error(
      { file: display(file), ...(error.line !== undefined ? { line: error.line } : {}) },
      `invalid YAML: ${error.message}`,
    );
  }
  const first = parsed.documents[0];
  const config: ProjectConfig = { file };
  if (first === undefined) return config;
  const reader = MapReader.of(new Reporter(issues, { file: display(file) }, first.lineOf), first.value, []);
  const komPath = reader.stringList('komPath');
  if (komPath !== undefined) config.komPath = komPath;
  reader.accept('version', 'store', 'logging');
  reader.finish('warning');
  return config;
}
