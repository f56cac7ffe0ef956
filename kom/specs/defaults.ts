import type { DefaultsDocument } from '../documents';
import type { Defaults } from '../model/resources';

/** komPath entries stay as written here; discovery resolves them against the app file. */
export function readDefaults(document: DefaultsDocument): Defaults {
  const spec = document.spec;
  const defaults: Defaults = { origin: document.origin, komPath: spec.stringList('komPath') ?? [] };
  const appId = spec.string('appId');
  if (appId !== undefined) defaults.appId = appId;
  spec.finish('warning');
  return defaults;
}
