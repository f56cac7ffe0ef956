// Checks across documents (reference §1.4): at most one Defaults and only in the app file, no
// duplicate Resource IDs, every parent declared. Resources come out sorted
// Workspace → Provider → Cluster → App → Box, then by ID, so parents precede children.
import type { DefaultsDocument, KomDocument, ResourceDocument } from './documents';
import { formatKomPosition, quote } from './errors';
import { resourceDepth } from './resource-id';

export interface ValidatedDocuments {
  resources: ResourceDocument[];
  defaults?: DefaultsDocument;
}

export function validateDocumentSet(documents: readonly KomDocument[]): ValidatedDocuments {
  const result: ValidatedDocuments = { resources: [] };
  for (const document of documents) {
    if (document.kind !== 'Defaults') {
      result.resources.push(document);
      continue;
    }
    if (!document.origin.fromAppFile) {
      document.report.error([], 'Defaults may only appear in the Kompox app file (kompoxapp.yml)');
    } else if (result.defaults !== undefined) {
      document.report.error([], `a second Defaults document; the first is ${whereIs(result.defaults)}`);
    } else {
      result.defaults = document;
    }
  }
  result.resources = sortResources(result.resources);

  const byId = new Map<string, ResourceDocument>();
  const unique: ResourceDocument[] = [];
  for (const document of result.resources) {
    const first = byId.get(document.id.id);
    if (first !== undefined) {
      document.report.error([], `duplicate Resource ID; it is already declared in ${whereIs(first)}`);
      continue;
    }
    byId.set(document.id.id, document);
    unique.push(document);
  }
  for (const document of unique) {
    const parentId = document.id.parentId;
    if (parentId !== undefined && !byId.has(parentId)) {
      document.report.error(
        [],
        `parent ${quote(parentId)} does not exist; declare it in a KOM file or fix this Resource ID`,
      );
    }
  }
  result.resources = unique.filter((document) => !document.rejected);
  return result;
}

function sortResources<T extends { kind: ResourceDocument['kind']; id: { id: string } }>(
  items: readonly T[],
): T[] {
  return [...items].sort(
    (a, b) =>
      resourceDepth(a.kind) - resourceDepth(b.kind) || (a.id.id < b.id.id ? -1 : a.id.id > b.id.id ? 1 : 0),
  );
}

function whereIs(document: KomDocument): string {
  return formatKomPosition({ file: document.report.file, document: document.origin.document });
}
