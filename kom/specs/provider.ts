import type { ResourceDocument } from '../documents';
import type { Provider } from '../model/resources';
import { parentIdOf, resourceMeta } from './resource-meta';

export function readProvider(document: ResourceDocument): Provider {
  const spec = document.spec;
  const provider: Provider = {
    kind: 'Provider',
    ...resourceMeta(document),
    workspaceId: parentIdOf(document),
    driver: spec.requiredString('driver') ?? '',
    settings: spec.stringMap('settings'),
  };
  spec.finish('warning');
  return provider;
}
