// The KOM resources other than App, as the rest of Kompox sees them: defaults applied,
// settings flattened to strings, every resource tagged with where it was declared.
import type { NetworkPolicySpec } from './network-policy';

/** Where a document came from (the reference's doc-path / doc-index annotations). */
export interface DocumentOrigin {
  /** Absolute path of the file. */
  file: string;
  /** 1-based index of the document in the file. */
  document: number;
  /** True when the file is the Kompox app file (kompoxapp.yml). */
  fromAppFile: boolean;
}

export interface ResourceMeta {
  /** Resource ID, e.g. `/ws/acme/prv/az1`. */
  id: string;
  name: string;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  origin: DocumentOrigin;
}

export interface Workspace extends ResourceMeta {
  kind: 'Workspace';
  settings: Record<string, string>;
}

export interface Provider extends ResourceMeta {
  kind: 'Provider';
  workspaceId: string;
  /** Driver name: local, aks, eks, gke, oke, k3s. Not checked here: kom/ does not know the registry. */
  driver: string;
  settings: Record<string, string>;
}

export type ProtectionLevel = 'none' | 'cannotDelete' | 'readOnly';
export const PROTECTION_LEVELS: readonly ProtectionLevel[] = ['none', 'cannotDelete', 'readOnly'];

export interface ClusterCertificate {
  name: string;
  /** Provider-specific source, e.g. a Key Vault secret URL. */
  source: string;
}

export interface ClusterIngress {
  /** Namespace of the ingress controller (default `traefik`). */
  namespace: string;
  controller?: string;
  /** Service account of the ingress controller (default `ingress-service-account`). */
  serviceAccount: string;
  /** DNS domain for generated app host names. */
  domain?: string;
  certResolver?: string;
  certEmail?: string;
  certificates: ClusterCertificate[];
}

export interface Cluster extends ResourceMeta {
  kind: 'Cluster';
  providerId: string;
  /** Not created by Kompox: provision/deprovision are skipped unless forced. */
  existing: boolean;
  ingress: ClusterIngress;
  protection: { provisioning: ProtectionLevel; installation: ProtectionLevel };
  settings: Record<string, string>;
}

export interface Box extends ResourceMeta {
  kind: 'Box';
  appId: string;
  component: string;
  /** Present for a standalone box (own image); absent for a compose box. */
  image?: string;
  command?: string[];
  args?: string[];
  networkPolicy: NetworkPolicySpec;
}

/** The app file's Defaults document (never persisted, no Resource ID). */
export interface Defaults {
  origin: DocumentOrigin;
  /** Extra KOM files/directories as written (relative to the app file's directory). */
  komPath: string[];
  appId?: string;
}
