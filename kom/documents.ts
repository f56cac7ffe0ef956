// The KOM envelope: apiVersion, kind, metadata (name + Resource ID annotation) and spec.
// A document that passes these checks becomes a KomDocument; its spec is read later, once the
// whole set of documents is known to be consistent.
import { KomIssues, quote } from './errors';
import { isPlainMap, MapReader } from './field-reader';
import type { DocumentOrigin } from './model/resources';
import { Reporter } from './reporter';
import {
  dnsLabelProblem,
  InvalidResourceIdError,
  parseResourceId,
  RESOURCE_KINDS,
  segmentOfResourceKind,
  type ParsedResourceId,
  type ResourceKind,
} from './resource-id';
import { parseYamlDocuments } from './yaml-source';

export const KOM_API_VERSION = 'ops.kompox.dev/v1alpha1';
export const ID_ANNOTATION = 'ops.kompox.dev/id';
/** Set by the loader, never read from files. */
export const DOC_PATH_ANNOTATION = 'ops.kompox.dev/doc-path';
export const DOC_INDEX_ANNOTATION = 'ops.kompox.dev/doc-index';
const DEPRECATED_PATH_ANNOTATION = 'ops.kompox.dev/path';

export type KomKind = ResourceKind | 'Defaults';
export const KOM_KINDS: readonly KomKind[] = [...RESOURCE_KINDS, 'Defaults'];

interface KomDocumentBase {
  origin: DocumentOrigin;
  /** Files issues at this document, naming its resource. */
  report: Reporter;
  spec: MapReader;
}

export interface ResourceDocument extends KomDocumentBase {
  kind: ResourceKind;
  id: ParsedResourceId;
  /**
   * The envelope had errors (already reported), but the ID is sound: the document still
   * counts as declared, so its children do not also report a missing parent.
   */
  rejected: boolean;
  annotations: Record<string, string>;
  labels: Record<string, string>;
}

export interface DefaultsDocument extends KomDocumentBase {
  kind: 'Defaults';
}

export type KomDocument = ResourceDocument | DefaultsDocument;

export interface KomFileInput {
  /** Absolute path. */
  file: string;
  /** Path to show in messages. */
  displayPath: string;
  text: string;
  fromAppFile: boolean;
}

/** `provider "/ws/x/prv/y"` */
export function describeResource(kind: KomKind, id: string): string {
  return `${kind.toLowerCase()} ${quote(id)}`;
}

/** Every well-formed document of a file; problems go to `issues`. Empty documents are skipped. */
export function readKomFile(input: KomFileInput, issues: KomIssues): KomDocument[] {
  const parsed = parseYamlDocuments(input.text);
  for (const error of parsed.errors) {
    const location = { file: input.displayPath, document: error.document };
    issues.error(
      error.line === undefined ? location : { ...location, line: error.line },
      `invalid YAML: ${error.message}`,
    );
  }
  const documents: KomDocument[] = [];
  for (const yamlDocument of parsed.documents) {
    if (yamlDocument.value === null || yamlDocument.value === undefined) continue;
    const origin: DocumentOrigin = {
      file: input.file,
      document: yamlDocument.index,
      fromAppFile: input.fromAppFile,
    };
    const report = new Reporter(
      issues,
      { file: input.displayPath, document: yamlDocument.index },
      yamlDocument.lineOf,
    );
    const document = readEnvelope(yamlDocument.value, origin, report);
    if (document !== undefined) documents.push(document);
  }
  return documents;
}

function readEnvelope(value: unknown, origin: DocumentOrigin, baseReport: Reporter): KomDocument | undefined {
  if (!isPlainMap(value)) {
    baseReport.error(
      [],
      `a KOM document must be a mapping with apiVersion, kind, metadata and spec, got ${quote(value)}`,
    );
    return undefined;
  }
  const envelope = MapReader.of(baseReport, value, []);
  const apiVersion = envelope.requiredString('apiVersion');
  if (apiVersion !== undefined && apiVersion !== KOM_API_VERSION) {
    baseReport.error(['apiVersion'], `must be ${quote(KOM_API_VERSION)}, got ${quote(apiVersion)}`);
  }
  const kindText = envelope.requiredString('kind');
  const kind = KOM_KINDS.find((known) => known === kindText);
  if (kindText !== undefined && kind === undefined) {
    baseReport.error(['kind'], `unknown kind ${quote(kindText)} (known: ${KOM_KINDS.join(', ')})`);
  }
  const metadata = envelope.map('metadata');
  const name = metadata.string('name');
  const annotations = metadata.stringMap('annotations');
  const labels = metadata.stringMap('labels');
  metadata.finish('warning');
  if (kind === 'Defaults') envelope.accept('spec');
  else if (kind !== undefined) envelope.required('spec');
  const specValue = envelope.raw('spec');
  envelope.finish('error', ' (a KOM document has apiVersion, kind, metadata and spec)');
  if (kind === undefined) return undefined;
  const apiVersionOk = apiVersion === KOM_API_VERSION;

  if (kind === 'Defaults') {
    if (!apiVersionOk) return undefined;
    if (ID_ANNOTATION in annotations) {
      baseReport.error(
        ['metadata', 'annotations', ID_ANNOTATION],
        'Defaults has no Resource ID; remove the annotation',
      );
    }
    return { kind, origin, report: baseReport, spec: MapReader.of(baseReport, specValue, ['spec']) };
  }
  return readResourceEnvelope(kind, name, annotations, labels, specValue, origin, baseReport, apiVersionOk);
}

function readResourceEnvelope(
  kind: ResourceKind,
  name: string | undefined,
  annotations: Record<string, string>,
  labels: Record<string, string>,
  specValue: unknown,
  origin: DocumentOrigin,
  baseReport: Reporter,
  envelopeOk: boolean,
): ResourceDocument | undefined {
  const idText = annotations[ID_ANNOTATION];
  const idPath = ['metadata', 'annotations', ID_ANNOTATION];
  const nameProblem = name === undefined || name === '' ? 'is required' : dnsLabelProblem(name);
  if (nameProblem !== undefined) baseReport.error(['metadata', 'name'], nameProblem);
  let ok = envelopeOk && nameProblem === undefined;
  if (idText === undefined) {
    const hint =
      DEPRECATED_PATH_ANNOTATION in annotations
        ? `; the ${DEPRECATED_PATH_ANNOTATION} annotation is no longer supported`
        : '';
    baseReport.error(idPath, `is required, e.g. "/ws/acme/prv/az1" for a Provider${hint}`);
    return undefined;
  }
  let id: ParsedResourceId;
  try {
    id = parseResourceId(idText);
  } catch (error) {
    if (!(error instanceof InvalidResourceIdError)) throw error;
    baseReport.error(idPath, `${kind} ${error.message}`);
    return undefined;
  }
  const report = baseReport.with({ subject: describeResource(kind, id.id) });
  if (id.kind !== kind) {
    report.error(
      idPath,
      `a ${kind} ID must end with a /${segmentOfResourceKind(kind)}/<name> pair, but this one names a ${id.kind}`,
    );
    ok = false;
  }
  if (nameProblem === undefined && id.name !== name) {
    report.error(
      ['metadata', 'name'],
      `${quote(name)} does not match the last name of the ID, ${quote(id.name)}`,
    );
    ok = false;
  }
  if (kind === 'Box' && name === 'app') {
    report.error(
      ['metadata', 'name'],
      '"app" is the reserved component name of the App; pick another Box name',
    );
    ok = false;
  }
  const loaderAnnotations = {
    ...annotations,
    [DOC_PATH_ANNOTATION]: origin.file,
    [DOC_INDEX_ANNOTATION]: String(origin.document),
  };
  return {
    kind,
    id,
    rejected: !ok,
    origin,
    report,
    annotations: loaderAnnotations,
    labels,
    spec: MapReader.of(report, specValue, ['spec']),
  };
}
