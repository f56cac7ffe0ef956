// Loads a kubeconfig file with errors that name the file and the missing context, instead of
// client-node's silent fallback to an empty config.
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

export interface LoadKubeConfigOptions {
  /** Path of the kubeconfig file; defaults to $KUBECONFIG (first entry) or ~/.kube/config via client-node. */
  path?: string;
  /** Context to use instead of the file's current-context. */
  context?: string;
}

export function loadKubeConfig(opts: LoadKubeConfigOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  if (opts.path) {
    if (!existsSync(opts.path)) throw new Error(`kubeconfig ${opts.path} does not exist`);
    try {
      kc.loadFromFile(opts.path);
    } catch (err) {
      throw new Error(`kubeconfig ${opts.path} cannot be read: ${(err as Error).message}`);
    }
  } else {
    kc.loadFromDefault();
  }
  const where = opts.path ?? 'the default kubeconfig';
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new Error(
        `kubeconfig ${where} has no context "${opts.context}" (known: ${known.join(', ') || 'none'})`,
      );
    }
    kc.setCurrentContext(opts.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new Error(`kubeconfig ${where} has no usable current context (set one or pass a context)`);
  }
  return kc;
}
