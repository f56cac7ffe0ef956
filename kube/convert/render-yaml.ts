// Multi-document YAML of rendered objects (`kompoxops app render`), in the form the API server
// sees. The client's typed models write a field whose name is a reserved word with a leading `_`
// (`_from` for NetworkPolicy's `from`); here it gets its wire name back. Written with the `yaml`
// library in its YAML 1.1 schema, the one kubectl reads, so strings such as "yes" or "on" stay
// quoted strings; client-node's own serializer would load every model it has (about 0.7 s of
// `app render`). Objects in the given order, no timestamps: the same objects, the same text.
import type { KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { ANNOTATION } from './labels';

export function renderYaml(objects: readonly KubernetesObject[]): string {
  return objects
    .map(
      (object) =>
        placeholderComment(object) +
        stringify(wireForm(object), { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false }),
    )
    .join('---\n');
}

/** Plain data with wire field names; fields left undefined are dropped, as JSON would. */
export function wireForm(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(wireForm);
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k.startsWith('_') ? k.slice(1) : k, wireForm(v)]),
  );
}

/** Objects made from a placeholder disk say so where a reader looks first. */
function placeholderComment(object: KubernetesObject): string {
  const note = object.metadata?.annotations?.[ANNOTATION.placeholder];
  return note === undefined ? '' : `# PLACEHOLDER: ${note}\n`;
}
