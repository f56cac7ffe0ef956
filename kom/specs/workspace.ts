import type { ResourceDocument } from '../documents';
import type { Workspace } from '../model/resources';
import { resourceMeta } from './resource-meta';

export function readWorkspace(document: ResourceDocument): Workspace {
  const spec = document.spec;
  const workspace: Workspace = {
    kind: 'Workspace',
    ...resourceMeta(document),
    settings: spec.stringMap('settings'),
  };
  spec.finish('warning');
  return workspace;
}
