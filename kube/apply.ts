// Server-side apply as Kompox's single way of writing objects: the apiserver merges our fields
// (owned by field manager `kompox`) and we take over fields others changed (force), so re-applying
// the same desired state always converges.
import { KubeConfig, KubernetesObject, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { withKubeError } from './errors';

export const FIELD_MANAGER = 'kompox';

export interface ApplyOptions {
  fieldManager?: string;
  /** Server-side dry run: validated and defaulted by the apiserver, not persisted. */
  dryRun?: boolean;
}

// KubernetesObjectApi discovers each kind's resource path once; keep one per KubeConfig.
const clients = new WeakMap<KubeConfig, KubernetesObjectApi>();

function objectApi(kc: KubeConfig): KubernetesObjectApi {
  let api = clients.get(kc);
  if (!api) {
    api = KubernetesObjectApi.makeApiClient(kc);
    clients.set(kc, api);
  }
  return api;
}

export function describeObject(obj: KubernetesObject): string {
  const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : '';
  return `${obj.kind ?? '?'} ${ns}${obj.metadata?.name ?? '?'}`;
}

/** Applies one object and returns what the apiserver stored. */
export async function applyObject<T extends KubernetesObject>(
  kc: KubeConfig,
  obj: T,
  opts: ApplyOptions = {},
): Promise<T> {
  // Managed fields in the input would be rejected by apply; they are never ours to send.
  const body = {
    ...obj,
    metadata: { ...obj.metadata, managedFields: undefined, resourceVersion: undefined },
  };
  return withKubeError(`apply ${describeObject(obj)}`, () =>
    objectApi(kc).patch(
      body as T,
      undefined,
      opts.dryRun ? 'All' : undefined,
      opts.fieldManager ?? FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    ),
  );
}

/** Applies objects in order (namespaces and PVs before what uses them), stopping at the first failure. */
export async function applyObjects(
  kc: KubeConfig,
  objs: readonly KubernetesObject[],
  opts: ApplyOptions = {},
): Promise<KubernetesObject[]> {
  const out: KubernetesObject[] = [];
  for (const obj of objs) out.push(await applyObject(kc, obj, opts));
  return out;
}
