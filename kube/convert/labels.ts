// Labels and annotations (reference §3.3), plus Kompox's render label for pruning.
import type { AppNames } from './names';

export const LABEL = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  instanceHash: 'kompox.dev/app-instance-hash',
  appIdHash: 'kompox.dev/app-id-hash',
  /** The only selector label: `<app>-<component>`. */
  selector: 'app',
  headless: 'kompox.dev/compose-service-headless',
  /** Kompox: the App volume a PV/PVC belongs to. */
  volume: 'kompox.dev/volume',
  /** Kompox: the render that produced the object; objects with another value are stale. */
  renderHash: 'kompox.dev/render-hash',
  nodePool: 'kompox.dev/node-pool',
  nodeZone: 'kompox.dev/node-zone',
  /** Kubernetes' well-known zone label, on every node of a managed cluster. */
  topologyZone: 'topology.kubernetes.io/zone',
} as const;

export const ANNOTATION = {
  app: 'kompox.dev/app',
  providerDriver: 'kompox.dev/provider-driver',
  /** contentHASH on ConfigMaps/Secrets; on the pod template the hash of all it references. */
  contentHash: 'kompox.dev/compose-content-hash',
  /** Kompox: the disk behind a PV. */
  diskName: 'kompox.dev/disk-name',
  /** On a PV/PVC rendered before its disk exists: why its handle is not real. */
  placeholder: 'kompox.dev/placeholder',
} as const;

export const MANAGED_BY = 'kompox';

export type Labels = Record<string, string>;

export const instanceLabelValue = (names: AppNames): string => `${names.app}-${names.instanceHash}`;

/** On every object, Namespace and PVs included. */
export function baseLabels(names: AppNames): Labels {
  return {
    [LABEL.name]: names.app,
    [LABEL.instance]: instanceLabelValue(names),
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.instanceHash]: names.instanceHash,
    [LABEL.appIdHash]: names.appIdHash,
  };
}

/** Deployment, pod template, Services, Ingresses, ConfigMaps, Secrets. */
export function componentLabels(names: AppNames): Labels {
  return { ...baseLabels(names), ...selectorLabels(names), [LABEL.component]: names.component };
}

export function selectorLabels(names: AppNames): Labels {
  return { [LABEL.selector]: names.componentName };
}

/** Selects every object of one app instance, whatever render made it. */
export function instanceSelector(names: AppNames): string {
  return `${LABEL.instance}=${instanceLabelValue(names)},${LABEL.managedBy}=${MANAGED_BY}`;
}
