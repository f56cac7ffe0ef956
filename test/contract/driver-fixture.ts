// What the driver contract suite needs from each provider's test setup: a driver, the zones to use,
// a way for a child process to build the same driver (for the SIGKILL cases), and the hooks only
// the cloud side can give (attaching a disk to a machine, injecting faults, counting in the
// cloud's own list). A hook a fixture lacks is declared absent, with the reason, never guessed.
import type { Disk, DriverContext, ProviderDriver } from '../../drivers/driver';

/** JSON a child process turns back into the same driver (see child-driver.ts). */
export interface DriverSpec {
  driver: string;
  ctx: Omit<DriverContext, 'kubeConfig' | 'onProgress' | 'powerOffNode'>;
  /** For drivers that reach a cluster: the kubeconfig file the child loads. */
  kubeconfigPath?: string;
}

/** Faults injected into the next calls the driver makes to the cloud. */
export interface FaultHooks {
  /** The next `times` creates of a disk are answered with throttling or a transient fault. */
  throttleCreateDisk(times: number): void;
  /** The next create of a disk is refused for lack of permission; undefined if the fixture cannot. */
  denyCreateDisk?(): void;
  /** How many cloud calls the driver made so far (to prove a refusal made none). */
  cloudCalls(): number;
  clear(): void;
}

export interface FixtureEnv {
  driver: ProviderDriver;
  spec: DriverSpec;
  /** Two zones of the home region (KOM names). */
  homeZones: [string, string];
  /** A zone of another region, for drivers that copy across regions. */
  otherRegionZone?: string;
  /** Attaches a disk to a machine (a VM, a node) and returns the instance id. */
  attach?(disk: Disk): Promise<string>;
  /** Starts a machine in a zone and names the node it would be (a cloud VM; a local node name). */
  machine?(zone: string): Promise<{ nodeName: string; providerId?: string }>;
  /** Present when the fixture can inject faults; `reason` says why not otherwise. */
  faults: FaultHooks | { reason: string };
  /** Counts snapshots carrying a tag in the cloud's own list, not through the driver. */
  cloudSnapshotsTagged?(key: string, value: string): Promise<number>;
  stop(): Promise<void>;
}

export interface DriverFixture {
  /** Shown in test names. */
  name: string;
  start(): Promise<FixtureEnv>;
}
