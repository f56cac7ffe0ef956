// What loading a project yields, and the one-app view the rest of Kompox works with.
import type { ComposeProject } from '../compose/model';
import type { KomSources } from '../discovery';
import type { KomIssue } from '../errors';
import type { App } from './app';
import type { Box, Cluster, Defaults, Provider, Workspace } from './resources';

export type KomResource = Workspace | Provider | Cluster | App | Box;

export interface LoadedProject {
  /** Working directory the project was located from (after -C). */
  cwd: string;
  root: string;
  kompoxDir: string;
  appFile?: string;
  komSources: KomSources;
  /** Every KOM file loaded (absolute), app file first. */
  files: string[];
  /** Each list sorted by Resource ID. */
  workspaces: Workspace[];
  providers: Provider[];
  clusters: Cluster[];
  apps: App[];
  boxes: Box[];
  defaults?: Defaults;
  /** From COMPOSE_PROFILES in the environment loadProject was given. */
  composeProfiles: string[];
  warnings: KomIssue[];
}

/** One App with its ancestors and its compose project, ready to render or deploy. */
export interface AppContext {
  workspace: Workspace;
  provider: Provider;
  cluster: Cluster;
  app: App;
  boxes: Box[];
  compose: ComposeProject;
  /** Absolute path of the compose file; absent for inline compose. */
  composeFile?: string;
  /** Same as app.refBase: `file:///dir/` when local file references are allowed, else ''. */
  refBase: string;
  /** The compose profiles chosen (sorted, distinct): part of what decides the app revision. */
  profiles: string[];
  /** Compose warnings (unsupported fields and the like); errors are thrown instead. */
  warnings: KomIssue[];
}
