// The Temporal server on PostgreSQL behind `kompoxops dev up --server postgres`: the binaries
// from the version-keyed tools cache (scripts/temporal-server.sh), the schema set up with
// temporal-sql-tool, and the server started on the repository's temporal-server.yaml with the
// dev stack's loopback ports filled in.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../workers/repo-root';
import { POSTGRES_USER } from './postgres';

export interface TemporalServerTools {
  server: string;
  sqlTool: string;
  /** schema/postgresql/v12, holding temporal/versioned and visibility/versioned. */
  schemaDir: string;
}

/** Finds (or builds once) the server and temporal-sql-tool. */
export function temporalServerTools(): TemporalServerTools {
  const script = join(repoRoot(), 'scripts', 'temporal-server.sh');
  const result = spawnSync('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(
      `could not provide the Temporal server (${script} exited ${result.status}); see the message above`,
    );
  const cache = result.stdout.trim().split('\n').pop() ?? '';
  return {
    server: join(cache, 'bin', 'temporal-server'),
    sqlTool: join(cache, 'bin', 'temporal-sql-tool'),
    schemaDir: join(cache, 'schema', 'postgresql', 'v12'),
  };
}

/** The loopback ports one server (all four services in one process) binds. */
export interface TemporalServerPorts {
  frontendGrpc: number;
  frontendHttp: number;
  frontendMembership: number;
  matchingGrpc: number;
  matchingMembership: number;
  historyGrpc: number;
  historyMembership: number;
  workerGrpc: number;
  workerMembership: number;
}

export const SERVER_PORT_NAMES: readonly (keyof TemporalServerPorts)[] = [
  'frontendGrpc',
  'frontendHttp',
  'frontendMembership',
  'matchingGrpc',
  'matchingMembership',
  'historyGrpc',
  'historyMembership',
  'workerGrpc',
  'workerMembership',
];

/** The two databases of docker-compose.temporal.yml, with the schema directory of each. */
const DATABASES = [
  { name: 'temporal', schema: 'temporal' },
  { name: 'temporal_visibility', schema: 'visibility' },
] as const;

/**
 * Creates the databases (on a new cluster) and brings both schemas to the newest version the
 * server ships, as temporalio/auto-setup does: setup-schema makes the version tables, then
 * update-schema applies every versioned step not yet applied (none on a current database).
 */
export function setupSchema(tools: TemporalServerTools, pgPort: number, fresh: boolean): void {
  const common = [
    '--plugin',
    'postgres12',
    '--endpoint',
    '127.0.0.1',
    '--port',
    String(pgPort),
    '--user',
    POSTGRES_USER,
  ];
  const run = (args: string[]): void => {
    const result = spawnSync(tools.sqlTool, [...common, ...args], { encoding: 'utf8' });
    if (result.status !== 0)
      throw new Error(
        `temporal-sql-tool ${args.join(' ')} failed (exit ${result.status}): ${(result.stderr || result.stdout).trim()}`,
      );
  };
  for (const db of DATABASES) {
    if (fresh) {
      run(['--database', db.name, 'create-database']);
      run(['--database', db.name, 'setup-schema', '--version', '0.0']);
    }
    run([
      '--database',
      db.name,
      'update-schema',
      '--schema-dir',
      join(tools.schemaDir, db.schema, 'versioned'),
    ]);
  }
}

/** Fills the template's {{ env "NAME" }} values; any other template text is an error. */
export function renderServerConfig(template: string, values: Record<string, string>): string {
  const body = template
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('\n')
    .replace(/\{\{ env "([A-Z_]+)" \}\}/g, (_, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`temporal-server.yaml: no value for ${name}`);
      return value;
    });
  if (body.includes('{{')) throw new Error('temporal-server.yaml: template text other than {{ env "NAME" }}');
  return body;
}

/** The server's root directory in the dev directory: config/ and nothing else. */
export const serverRootDir = (dir: string): string => join(dir, 'temporal-server');
/** The environment name the server loads its configuration file by (config/<env>.yaml). */
export const SERVER_ENV = 'kompox';

/** Writes the concrete configuration (and the dynamic configuration beside it) for these ports. */
export function writeServerConfig(dir: string, ports: TemporalServerPorts, pgPort: number): void {
  const configDir = join(serverRootDir(dir), 'config');
  mkdirSync(configDir, { recursive: true });
  const dynamic = join(configDir, 'dynamicconfig.yaml');
  copyFileSync(join(repoRoot(), 'temporal-dynamicconfig.yaml'), dynamic);
  const text = renderServerConfig(readFileSync(join(repoRoot(), 'temporal-server.yaml'), 'utf8'), {
    TEMPORAL_LOG_LEVEL: 'warn',
    POSTGRES_SEEDS: '127.0.0.1',
    DB_PORT: String(pgPort),
    POSTGRES_USER,
    // Trust authentication on loopback: no password.
    POSTGRES_PWD: '',
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    FRONTEND_GRPC_PORT: String(ports.frontendGrpc),
    FRONTEND_HTTP_PORT: String(ports.frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(ports.frontendMembership),
    MATCHING_GRPC_PORT: String(ports.matchingGrpc),
    MATCHING_MEMBERSHIP_PORT: String(ports.matchingMembership),
    HISTORY_GRPC_PORT: String(ports.historyGrpc),
    HISTORY_MEMBERSHIP_PORT: String(ports.historyMembership),
    WORKER_GRPC_PORT: String(ports.workerGrpc),
    WORKER_MEMBERSHIP_PORT: String(ports.workerMembership),
    DYNAMIC_CONFIG_FILE_PATH: dynamic,
  });
  writeFileSync(
    join(configDir, `${SERVER_ENV}.yaml`),
    `# Written by kompoxops dev up from temporal-server.yaml; rewritten on every start.\n${text}`,
  );
}

/** The server's command line: all services in one process, on the configuration written above. */
export function serverArgs(dir: string): string[] {
  return [
    '--root',
    serverRootDir(dir),
    '--config',
    'config',
    '--env',
    SERVER_ENV,
    '--allow-no-auth',
    'start',
  ];
}
