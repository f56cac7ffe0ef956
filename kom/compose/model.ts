// The compose project as Kompox uses it: only what it supports, normalized. Secret values are
// not in here: env files and `file:` secrets are references, read on demand (see
// env-file-values.ts), so this model can travel through Temporal histories.

/** An env_file entry. Its values are read with readServiceEnvFiles, never stored here. */
export interface EnvFileRef {
  /** As written in the compose file (relative to the compose file's directory). */
  path: string;
  absolutePath: string;
  /** `required: false` tolerates a missing file. */
  required: boolean;
  format: 'env' | 'yaml' | 'json';
}

export type PortProtocol = 'tcp' | 'udp' | 'sctp';

export interface PortMapping {
  containerPort: number;
  /** Absent for `"80"` (container port only, not published). */
  hostPort?: number;
  hostIp?: string;
  protocol: PortProtocol;
}

/** A local file to copy onto a volume; its content is read on demand, never stored here. */
export interface SeedFile {
  /** Relative to the bound directory, `/`-separated. */
  path: string;
  absolutePath: string;
}

/** What a relative directory bind copies onto its volume directory at the pod's first start. */
export interface DirectorySeed {
  files: SeedFile[];
}

/** A mount of (a sub-directory of) an App volume. */
export interface VolumeMount {
  /** App volume name (`App.spec.volumes[].name`). */
  volume: string;
  /** Directory inside the volume; absent for the whole volume. */
  subPath?: string;
  mountPath: string;
  readOnly: boolean;
  /** `named` for `vol[/sub]:/path`, `bind` for `./relative:/path` (onto the first App volume). */
  origin: 'named' | 'bind';
  /** For a bind of a local directory holding files: what to copy there once. */
  seed?: DirectorySeed;
}

/**
 * A directory that lives as long as the pod (an emptyDir): an anonymous volume, a tmpfs mount,
 * or /dev/shm sized by `shm_size`.
 */
export interface ScratchMount {
  mountPath: string;
  /** `Memory` for tmpfs and /dev/shm, as compose keeps them in memory. */
  medium?: 'Memory';
  sizeLimitBytes?: number;
  readOnly?: boolean;
  origin: 'anonymous' | 'tmpfs' | 'shm_size';
}

export type FileObjectSource =
  | { kind: 'file'; path: string; absolutePath: string }
  | { kind: 'content'; content: string }
  /** Must already exist in the namespace; Kompox does not create it. */
  | { kind: 'external'; name: string };

/** A top-level `configs:` or `secrets:` entry. */
export interface FileObject {
  /** As written in the compose file; service references use it. */
  name: string;
  /** The DNS label used in the object and pod volume names (`my_config` → `my-config`). */
  kubeName: string;
  source: FileObjectSource;
}

/** A service's reference to a config or secret, mounted as a single file. */
export interface FileMount {
  source: string;
  /** Absolute path in the container. */
  target: string;
  /** File mode, e.g. 0o440. */
  mode?: number;
}

export interface Healthcheck {
  /** `['CMD', ...argv]` or `['CMD-SHELL', command]`. */
  test: string[];
  intervalMs?: number;
  timeoutMs?: number;
  retries?: number;
  startPeriodMs?: number;
  startIntervalMs?: number;
}

export type DependencyCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';
export const DEPENDENCY_CONDITIONS: readonly DependencyCondition[] = [
  'service_started',
  'service_healthy',
  'service_completed_successfully',
];

export interface ServiceDependency {
  service: string;
  condition: DependencyCondition;
  required: boolean;
}

export interface ResourceAmounts {
  cpuMillicores?: number;
  memoryBytes?: number;
}

export interface ServiceResources {
  requests: ResourceAmounts;
  limits: ResourceAmounts;
}

/** An `extra_hosts` entry: `host` resolves to `ip` inside the pod. */
export interface ExtraHost {
  host: string;
  ip: string;
}

/** What the container runs as and may do; IDs are numeric, as Kubernetes needs them. */
export interface ServiceSecurity {
  runAsUser?: number;
  runAsGroup?: number;
  /** `group_add`; Kubernetes applies them to every container of the pod. */
  supplementalGroups: number[];
  /** Without the `CAP_` prefix. */
  capAdd: string[];
  capDrop: string[];
  readOnlyRootFilesystem?: boolean;
  /** Pod-wide in Kubernetes. */
  sysctls: Record<string, string>;
  /** `init: true`: an init process reaps zombies (the pod's shared process namespace gives one). */
  init?: boolean;
}

export interface ComposeService {
  /** As written in the compose file; messages use it. */
  name: string;
  /** The container and Service name: a DNS label starting with a letter (see kube-name.ts). */
  kubeName: string;
  image: string;
  /** Overrides the image ENTRYPOINT (Kubernetes `command`). */
  entrypoint?: string[];
  /** Overrides the image CMD (Kubernetes `args`). */
  command?: string[];
  /** Sorted by name; keys without a value are dropped. */
  environment: Record<string, string>;
  envFiles: EnvFileRef[];
  ports: PortMapping[];
  volumeMounts: VolumeMount[];
  /** emptyDir mounts, in the order they were written. */
  scratchMounts: ScratchMount[];
  configs: FileMount[];
  secrets: FileMount[];
  /** Absent when the compose file has none or disables it. */
  healthcheck?: Healthcheck;
  dependsOn: ServiceDependency[];
  resources: ServiceResources;
  security: ServiceSecurity;
  extraHosts: ExtraHost[];
  workingDir?: string;
  /** How long the container gets between SIGTERM and SIGKILL. */
  stopGracePeriodMs?: number;
}

export interface ComposeProject {
  /** Display path of the compose file, or `<app id> spec.compose` for inline compose. */
  source: string;
  name?: string;
  /** In file order. */
  services: ComposeService[];
  configs: FileObject[];
  secrets: FileObject[];
}
