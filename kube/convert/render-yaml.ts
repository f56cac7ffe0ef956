// Multi-document YAML of rendered objects (`kompoxops app render`), in the form the API server
// sees: the client's typed models name a few fields differently (`_from` for `from`), so each
// object goes through the client's own serializer (dumpYaml), as `apply` does. Objects in the
// given order, no timestamps: the same objects, the same text.
import { dumpYaml, type KubernetesObject } from '@kubernetes/client-node';
import { ANNOTATION } from './labels';

export function renderYaml(objects: readonly KubernetesObject[]): string {
  return objects
    .map((object) => placeholderComment(object) + dumpYaml(object, { lineWidth: -1, noRefs: true }))
    .join('---\n');
}

/** Objects made from a placeholder disk say so where a reader looks first. */
function placeholderComment(object: KubernetesObject): string {
  const note = object.metadata?.annotations?.[ANNOTATION.placeholder];
  return note === undefined ? '' : `# PLACEHOLDER: ${note}\n`;
}
