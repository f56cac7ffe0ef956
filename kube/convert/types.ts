// The converter's contract: what it needs (the app model, the assigned disks, and a way to read
// values that must not travel through Temporal) and what it returns.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { PvSource } from '../../drivers/driver';
import type { AppContext, ComposeService } from '../../kom';

/** The disk currently assigned to one App volume, as the driver reports it. */
export interface AssignedDisk {
  /** Kompox disk name (unique within the volume). */
  diskName: string;
  /** The provider's identifier; becomes the PV's volumeHandle and decides the PV/PVC name. */
  handle: string;
  /** KOM zone name; empty for a zone-redundant disk. */
  zone: string;
  sizeBytes: number;
  /** What the driver says the PersistentVolume source is. */
  pvSource: PvSource;
}

/**
 * Reads what must never enter a Temporal history: env_file values and the contents of
 * `file:` configs and secrets. The deploy activity builds one at apply time
 * (see local-values.ts); tests inject fakes.
 */
export interface LocalValues {
  /** The service's env_file variables merged in order (later files win). */
  envFileValues(service: ComposeService): Record<string, string>;
  /** Contents of a compose `file:` config or secret; paths as in the compose model. */
  readFile(file: { path: string; absolutePath: string }): Buffer;
}

export interface ConvertInput {
  context: AppContext;
  /** App volume name → its assigned disk. Every App volume needs one. */
  disks: Readonly<Record<string, AssignedDisk>>;
  values: LocalValues;
  /** Node pools the pod may use; default `app.deployment.pools`, else `['user']`. */
  nodePools?: readonly string[];
  /**
   * The provider's `topology.kubernetes.io/zone` value of each App zone (KOM name), when the
   * worker knows it: a pod that only prefers its zone (zone-redundant disks) prefers it by the
   * label every managed node carries. Without it, by Kompox's `kompox.dev/node-zone` pool label.
   */
  zoneTopology?: Readonly<Record<string, string>>;
  /**
   * The cluster's version, when known. Below 1.29 there are no native sidecars, so depends_on
   * ordering falls back to starting everything together (with a warning).
   */
  kubernetesVersion?: { major: number; minor: number };
}

/** One PV/PVC pair, by App volume. */
export interface VolumeBinding {
  volume: string;
  diskName: string;
  /** PV and PVC share this name. */
  claimName: string;
}

export interface ConvertResult {
  namespace: string;
  /** In apply order: Namespace first, PVs and PVCs before the Deployment, Ingresses last. */
  objects: KubernetesObject[];
  /**
   * Hash of everything rendered (secret values included, only as a digest). Every object carries
   * it in the `kompox.dev/render-hash` label, so objects of older renders can be pruned.
   */
  renderHash: string;
  /** Label selector matching every object of this app instance (any render). */
  instanceSelector: string;
  deploymentName: string;
  volumes: VolumeBinding[];
  /** Things the converter worked around; never fatal. */
  warnings: string[];
}

/** Input that cannot be turned into objects; the message says what to change. */
export class ConvertError extends Error {
  override readonly name = 'ConvertError';
}
