// The app's namespace: one per app, named and annotated as in the reference.
import type { V1Namespace } from '@kubernetes/client-node';
import type { AppContext } from '../../kom';
import { ANNOTATION, baseLabels } from './labels';
import type { AppNames } from './names';

export function buildNamespace(context: AppContext, names: AppNames): V1Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: names.namespace,
      labels: baseLabels(names),
      annotations: {
        [ANNOTATION.app]: `${names.workspace}/${names.provider}/${names.cluster}/${names.app}`,
        [ANNOTATION.providerDriver]: context.provider.driver,
      },
    },
  };
}
