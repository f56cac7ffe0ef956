// Object names and the hashes they are made of (reference §3.2). The names are the
// reference's, so a user of the Go tool recognises them in the cluster.
import type { AppContext } from '../../kom';
import { shortHash } from './hash';
import { ConvertError } from './types';

/** Compose box splitting is not implemented: every compose service belongs to component `app`. */
export const APP_COMPONENT = 'app';

export interface AppNames {
  workspace: string;
  provider: string;
  cluster: string;
  app: string;
  component: string;
  /** `ws:prv` */
  providerHash: string;
  /** `ws:prv:app`: the same on every cluster. */
  appIdHash: string;
  /** `ws:prv:cls:app`: one app on one cluster. */
  instanceHash: string;
  namespace: string;
  /** `<app>-<component>`: the Deployment, the ingress Service and the selector label value. */
  componentName: string;
  networkPolicy: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function appNames(context: AppContext): AppNames {
  return appNamesOf({
    workspace: context.workspace.name,
    provider: context.provider.name,
    cluster: context.cluster.name,
    app: context.app.name,
  });
}

/** The names from the app's identity alone: what operations that do not render need. */
export function appNamesOf(identity: {
  workspace: string;
  provider: string;
  cluster: string;
  app: string;
}): AppNames {
  const { workspace, provider, cluster, app } = identity;
  const providerHash = shortHash(`${workspace}:${provider}`);
  const appIdHash = shortHash(`${workspace}:${provider}:${app}`);
  const namespace = `k4x-${providerHash}-${app}-${appIdHash}`;
  checkDnsLabel(namespace, `the namespace name of app "${app}"`);
  return {
    workspace,
    provider,
    cluster,
    app,
    component: APP_COMPONENT,
    providerHash,
    appIdHash,
    instanceHash: shortHash(`${workspace}:${provider}:${cluster}:${app}`),
    namespace,
    componentName: `${app}-${APP_COMPONENT}`,
    networkPolicy: app,
  };
}

/**
 * PV and PVC name: `k4x-<spHASH>-<vol>-<idHASH>-<volHASH>`. As in the reference the last part
 * hashes the disk handle rather than the disk name: a PV's volumeHandle cannot change, and a
 * disk re-created under the same name gets a new handle on most clouds, so the handle is what
 * must make the name. Assigning another disk changes the handle and so the name.
 */
export function persistentVolumeName(names: AppNames, volume: string, handle: string): string {
  return `k4x-${names.providerHash}-${volume}-${names.appIdHash}-${shortHash(handle)}`;
}

export const configMapName = (names: AppNames, config: string): string =>
  `${names.componentName}--cfg-${config}`;
export const fileSecretName = (names: AppNames, secret: string): string =>
  `${names.componentName}--sec-${secret}`;
export const envSecretName = (names: AppNames, service: string): string =>
  `${names.componentName}-${service}-base`;
export const defaultIngressName = (names: AppNames): string => `${names.componentName}-default`;
export const customIngressName = (names: AppNames): string => `${names.componentName}-custom`;

/** Pod volume names of configs and secrets; the mode is part of it when one is set. */
export function fileVolumeName(kind: 'cfg' | 'sec', name: string, mode: number | undefined): string {
  const volume =
    mode === undefined ? `${kind}-${name}` : `${kind}-${name}-m${mode.toString(8).padStart(4, '0')}`;
  checkDnsLabel(volume, `the pod volume name for ${kind === 'cfg' ? 'config' : 'secret'} "${name}"`);
  return volume;
}

export function checkDnsLabel(name: string, what: string): void {
  if (name.length > 63 || !DNS_LABEL.test(name)) {
    throw new ConvertError(
      `${what} would be "${name}", which is not a DNS label (at most 63 lower-case letters, digits and '-'); use a shorter name`,
    );
  }
}
