import type { ResourceDocument } from '../documents';
import type { ResourceMeta } from '../model/resources';

export function resourceMeta(document: ResourceDocument): ResourceMeta {
  return {
    id: document.id.id,
    name: document.id.name,
    annotations: document.annotations,
    labels: document.labels,
    origin: document.origin,
  };
}

/** The parent's ID; validateDocumentSet guarantees every non-Workspace has one. */
export function parentIdOf(document: ResourceDocument): string {
  return document.id.parentId ?? '';
}
