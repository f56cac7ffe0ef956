import type { ResourceDocument } from '../documents';
import { quote } from '../errors';
import type { Box } from '../model/resources';
import { readNetworkPolicy } from './network-policy';
import { parentIdOf, resourceMeta } from './resource-meta';

export function readBox(document: ResourceDocument): Box {
  const spec = document.spec;
  const name = document.id.name;
  const component = spec.string('component') ?? name;
  if (component !== name) {
    spec.report.error(
      spec.at('component'),
      `must equal the Box name ${quote(name)}, got ${quote(component)}`,
    );
  }
  const image = spec.string('image');
  const command = spec.stringList('command');
  const args = spec.stringList('args');
  if (spec.has('ingress'))
    spec.report.error(spec.at('ingress'), 'is reserved for a future version and must not be set');
  spec.accept('ingress');
  if (image === undefined) {
    // A compose box carves services out of the App's compose project: it has no image of its own.
    for (const key of ['command', 'args'] as const) {
      if (spec.has(key))
        spec.report.error(spec.at(key), 'only a standalone box (one with spec.image) may set it');
    }
  }
  const box: Box = {
    kind: 'Box',
    ...resourceMeta(document),
    appId: parentIdOf(document),
    component,
    networkPolicy: readNetworkPolicy(spec.map('networkPolicy')),
  };
  if (image !== undefined) box.image = image;
  if (command !== undefined && image !== undefined) box.command = command;
  if (args !== undefined && image !== undefined) box.args = args;
  spec.finish('warning');
  return box;
}
