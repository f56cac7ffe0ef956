// Projects for deploy tests, each in its own temp dir with the local provider's disks kept
// inside it (LOCAL_ROOT), a unique app name (so apps never share a namespace) and secret
// values made up per run (so a test can look for them in histories and in the cluster).
//
//   wikiProject  a copy of examples/wiki: env_file, ./relative bind mount, name/sub/path
//                mount, inline config, secret from a file, healthchecks, 2 ports, 2 volumes.
//   shopProject  written here: 3 volumes (one mounted whole), config from a file, secret and
//                env_file shared by two services, several ports on one service, HTTP-less
//                healthcheck, an initial zone other than the wiki's.
//   composeProject  compose as people write it: a single-file bind, a directory bind with
//                files, the same port on TCP and UDP, a service waited for until healthy.
//   clusterProject  one busybox service on one volume, on a KOM Cluster of a given name.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../workers/repo-root';
import type { TestStack } from './dev-stack';

export interface TestProject {
  dir: string;
  appName: string;
  /** App key `ws/prv/app`: the controller's. */
  appKey: string;
  appId: string;
  /** The local provider's state root (inside dir). */
  localRoot: string;
  /** Values that must reach the cluster's Secrets and nowhere else. */
  secretValues: string[];
}

const secret = (label: string): string => `${label}-${randomBytes(12).toString('hex')}`;

/** kompoxapp.yml with the App `app` on compose.yml; `specLines` follow `compose:` under spec. */
function writeAppFile(dir: string, app: string, specLines: string[], cluster = 'dev'): void {
  writeFileSync(
    join(dir, 'kompoxapp.yml'),
    [
      'apiVersion: ops.kompox.dev/v1alpha1',
      'kind: App',
      `metadata: { name: ${app}, annotations: { ops.kompox.dev/id: /ws/demo/prv/local/cls/${cluster}/app/${app} } }`,
      'spec:',
      '  compose: file:compose.yml',
      ...specLines,
      '',
    ].join('\n'),
  );
}

/** .kompox/kom/infra.yml: Workspace demo, Provider local and the existing Cluster `cluster`. */
function writeInfraFile(dir: string, cluster = 'dev', clusterSettings?: Record<string, string>): void {
  mkdirSync(join(dir, '.kompox', 'kom'), { recursive: true });
  writeFileSync(
    join(dir, '.kompox', 'kom', 'infra.yml'),
    [
      'apiVersion: ops.kompox.dev/v1alpha1',
      'kind: Workspace',
      'metadata: { name: demo, annotations: { ops.kompox.dev/id: /ws/demo } }',
      'spec: {}',
      '---',
      'apiVersion: ops.kompox.dev/v1alpha1',
      'kind: Provider',
      'metadata: { name: local, annotations: { ops.kompox.dev/id: /ws/demo/prv/local } }',
      'spec:',
      '  driver: local',
      '---',
      'apiVersion: ops.kompox.dev/v1alpha1',
      'kind: Cluster',
      `metadata: { name: ${cluster}, annotations: { ops.kompox.dev/id: /ws/demo/prv/local/cls/${cluster} } }`,
      'spec:',
      '  existing: true',
      ...(clusterSettings ? [`  settings: ${JSON.stringify(clusterSettings)}`] : []),
      '',
    ].join('\n'),
  );
}

/** Gives the project's Provider a LOCAL_ROOT inside the project and describes the project. */
function finishProject(dir: string, app: string, secretValues: string[], cluster = 'dev'): TestProject {
  const localRoot = join(dir, 'disks');
  replaceOnce(
    join(dir, '.kompox', 'kom', 'infra.yml'),
    /^ {2}driver: local$/m,
    `  driver: local\n  settings: { LOCAL_ROOT: ${JSON.stringify(localRoot)} }`,
  );
  return {
    dir,
    appName: app,
    appKey: `demo/local/${app}`,
    appId: `/ws/demo/prv/local/cls/${cluster}/app/${app}`,
    localRoot,
    secretValues,
  };
}

export function replaceOnce(file: string, from: string | RegExp, to: string): void {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`fixture ${file} no longer contains ${String(from)}; update the test`);
  writeFileSync(file, next);
}

/** A copy of examples/wiki named `app`. */
export function wikiProject(app: string): TestProject {
  const dir = mkdtempSync(join(tmpdir(), `kompox-${app}-`));
  cpSync(join(repoRoot(), 'examples', 'wiki'), dir, { recursive: true });
  const kom = join(dir, 'kompoxapp.yml');
  replaceOnce(kom, /\/app\/wiki\b/g, `/app/${app}`);
  replaceOnce(kom, /^ {2}name: wiki$/m, `  name: ${app}`);
  const dbPass = secret('envfile');
  const filePass = secret('secretfile');
  writeFileSync(join(dir, 'wiki.env'), `# test value\nDB_PASS=${dbPass}\n`);
  writeFileSync(join(dir, 'secrets', 'db-password.txt'), `${filePass}\n`);
  return finishProject(dir, app, [dbPass, filePass]);
}

/**
 * The wiki on zone-redundant disks (`volumeOptions`, a YAML flow map, makes them so) whose
 * failover reattaches them in another zone (`crossZone: zoneRedundant`), after a 2 s grace.
 */
export function zoneRedundantWikiProject(app: string, volumeOptions: string): TestProject {
  const project = wikiProject(app);
  const kom = join(project.dir, 'kompoxapp.yml');
  replaceOnce(kom, '{ name: default, size: 1Gi }', `{ name: default, size: 1Gi, options: ${volumeOptions} }`);
  replaceOnce(kom, '{ name: db, size: 2Gi }', `{ name: db, size: 2Gi, options: ${volumeOptions} }`);
  replaceOnce(kom, 'verifyGraceSeconds: 30', 'verifyGraceSeconds: 2');
  replaceOnce(kom, 'crossZone: latestSnapshot', 'crossZone: zoneRedundant');
  return project;
}

/** Sets the wiki's inline config logLevel, so a redeploy has real work (a new ReplicaSet). */
export function setWikiLogLevel(project: TestProject, level: string): void {
  replaceOnce(join(project.dir, 'compose.yml'), /logLevel: \S+/, `logLevel: ${level}`);
}

/** A second project, written from scratch, for what the wiki does not cover. */
export function shopProject(app: string): TestProject {
  const dir = mkdtempSync(join(tmpdir(), `kompox-${app}-`));
  const apiKey = secret('apikey');
  const smtp = secret('smtppass');
  const tlsKey = secret('tlskey');
  writeInfraFile(dir);
  mkdirSync(join(dir, 'conf'));
  mkdirSync(join(dir, 'secrets'));
  writeAppFile(dir, app, [
    '  volumes:',
    '    - { name: files, size: 1Gi }',
    '    - { name: cache, size: 1Gi }',
    '    - { name: state, size: 3Gi }',
    '  deployment: { pool: user, zone: local-1b }',
  ]);
  writeFileSync(
    join(dir, 'compose.yml'),
    `services:
  web:
    image: nginx:1.27-alpine
    env_file: [./shop.env, ./mail.env]
    environment:
      SHOP_MODE: production
    ports:
      - '8080:80'
      - '8443:443'
      - '9113:9113'
    volumes:
      - ./uploads:/srv/uploads
      - cache:/var/cache/nginx
      - state/web:/var/lib/shop
    configs:
      - source: nginx
        target: /etc/nginx/conf.d/default.conf
    secrets:
      - source: tls-key
        target: /run/secrets/tls.key
    healthcheck:
      test: ['CMD-SHELL', 'wget -q -O /dev/null http://localhost/ || exit 1']
      interval: 15s
      timeout: 3s
      retries: 4
  jobs:
    image: busybox:1.36
    command: ['sh', '-c', 'while true; do sleep 3600; done']
    env_file: ./mail.env
    volumes:
      - state/jobs:/var/lib/jobs
    secrets:
      - tls-key
    healthcheck:
      test: ['CMD', 'test', '-d', '/var/lib/jobs']
      interval: 20s

configs:
  nginx:
    file: ./conf/nginx.conf

secrets:
  tls-key:
    file: ./secrets/tls.key
`,
  );
  writeFileSync(join(dir, 'shop.env'), `SHOP_API_KEY=${apiKey}\nSHOP_NAME=test shop\n`);
  writeFileSync(join(dir, 'mail.env'), `SMTP_PASSWORD=${smtp}\n`);
  writeFileSync(join(dir, 'secrets', 'tls.key'), `${tlsKey}\n`);
  writeFileSync(
    join(dir, 'conf', 'nginx.conf'),
    'server {\n  listen 80;\n  root /srv/uploads;\n  location /healthz { return 200; }\n}\n',
  );
  return finishProject(dir, app, [apiKey, smtp, tlsKey]);
}

/**
 * A small app (one busybox service on one volume) on the KOM Cluster `cluster` (the dev stack's
 * worker routes a Cluster named like an extra dev cluster there), in `zone`; `clusterSettings`
 * are the Cluster's settings (LOCAL_REGION, say).
 */
export function clusterProject(
  app: string,
  cluster: string,
  zone: string,
  clusterSettings: Record<string, string> = {},
): TestProject {
  const dir = mkdtempSync(join(tmpdir(), `kompox-${app}-`));
  writeInfraFile(dir, cluster, clusterSettings);
  writeAppFile(
    dir,
    app,
    ['  volumes: [{ name: data, size: 1Gi }]', `  deployment: { pool: user, zone: ${zone} }`],
    cluster,
  );
  writeFileSync(
    join(dir, 'compose.yml'),
    `services:
  app:
    image: busybox:1.36
    command: ['sh', '-c', 'while true; do sleep 3600; done']
    volumes: ['data:/data']
volumes:
  data: {}
`,
  );
  return finishProject(dir, app, [], cluster);
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs bin/kompoxops in `cwd` against the stack, without blocking this process (a test may
 * serve an admission webhook meanwhile).
 */
export function kompoxops(stack: TestStack, cwd: string, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      join(repoRoot(), 'bin', 'kompoxops'),
      args,
      {
        cwd,
        encoding: 'utf8',
        timeout: 900_000,
        maxBuffer: 16 << 20,
        env: { ...process.env, KOMPOX_DEV_DIR: stack.dir, TEMPORAL_ADDRESS: stack.address },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ status: code, stdout, stderr });
      },
    );
  });
}

/** kompoxops … -o json, which must succeed; returns the parsed output. */
export async function kompoxopsJson<T>(stack: TestStack, cwd: string, ...args: string[]): Promise<T> {
  const r = await kompoxops(stack, cwd, ...args, '-o', 'json');
  if (r.status !== 0)
    throw new Error(`kompoxops ${args.join(' ')} exited ${r.status}:\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

/** Compose features the converter maps beyond the reference (see composeProject above). */
export function composeProject(app: string): TestProject {
  const dir = mkdtempSync(join(tmpdir(), `kompox-${app}-`));
  mkdirSync(join(dir, '.kompox', 'kom'), { recursive: true });
  mkdirSync(join(dir, 'html', 'css'), { recursive: true });
  writeFileSync(
    join(dir, '.kompox', 'kom', 'infra.yml'),
    readFileSync(join(repoRoot(), 'examples', 'wiki', '.kompox', 'kom', 'infra.yml'), 'utf8'),
  );
  writeAppFile(dir, app, [
    '  volumes: [{ name: site_data, size: 1Gi }]',
    '  deployment: { pool: user, zone: local-1c }',
  ]);
  writeFileSync(join(dir, 'nginx.conf'), 'server { listen 80; location /healthz { return 200; } }\n');
  writeFileSync(join(dir, 'html', 'index.html'), '<h1>compose</h1>\n');
  writeFileSync(join(dir, 'html', 'css', 'site.css'), 'h1 { color: teal; }\n');
  writeFileSync(
    join(dir, 'compose.yml'),
    `services:
  front_end:
    image: nginx:1.27-alpine
    ports: ['8080:80', '53:53/tcp', '53:53/udp']
    volumes:
      - ./nginx.conf:/etc/nginx/conf.d/default.conf:ro
      - ./html:/usr/share/nginx/html
    depends_on:
      db: { condition: service_healthy }
  db:
    image: postgres:16-alpine
    environment: { POSTGRES_PASSWORD: example }
    volumes: ['site_data/pg:/var/lib/postgresql/data']
    healthcheck: { test: [CMD-SHELL, pg_isready], interval: 5s }
`,
  );
  return finishProject(dir, app, []);
}

/**
 * An app for real nodes (pool `real`, image busybox:1.36 from the local images) that keeps its own
 * data: on its first start it writes payload.bin (random bytes) to its disk, and every start and
 * stop appends a line to boots.log. It turns healthy 3 s after starting. Snapshots use a hook whose
 * pre and post commands leave files on the disk.
 */
export function journalProject(app: string, zone = 'local-1a'): TestProject {
  const dir = mkdtempSync(join(tmpdir(), `kompox-${app}-`));
  mkdirSync(join(dir, '.kompox', 'kom'), { recursive: true });
  writeFileSync(
    join(dir, '.kompox', 'kom', 'infra.yml'),
    readFileSync(join(repoRoot(), 'examples', 'wiki', '.kompox', 'kom', 'infra.yml'), 'utf8'),
  );
  writeAppFile(dir, app, [
    '  volumes: [{ name: data, size: 1Gi }]',
    `  deployment: { pool: real, zone: ${zone} }`,
    '  snapshots:',
    '    consistency: hook',
    '    hook:',
    '      container: journal',
    `      pre: ['sh', '-c', 'date +%s > /data/hook-pre; echo pre >> /data/boots.log; sync']`,
    `      post: ['sh', '-c', 'echo post >> /data/boots.log']`,
  ]);
  writeFileSync(
    join(dir, 'compose.yml'),
    `services:
  journal:
    image: busybox:1.36
    command:
      - sh
      - -c
      - |
        trap 'echo stop >> /data/boots.log; exit 0' TERM
        [ -f /data/payload.bin ] || head -c 262144 /dev/urandom > /data/payload.bin
        echo boot >> /data/boots.log
        sleep 3
        touch /tmp/healthy
        while true; do sleep 3600 & wait $$!; done
    volumes: ['data:/data']
    healthcheck:
      test: ['CMD', 'test', '-f', '/tmp/healthy']
      interval: 1s
      retries: 1
volumes:
  data: {}
`,
  );
  return finishProject(dir, app, []);
}

/**
 * Points a test project's Provider at a cloud `driver` with `settings`, and its app at `zone`.
 * The driver finds credentials and the cloud's endpoint (its emulator or fake, in tests) in the
 * worker's environment or in `settings`.
 */
export function useCloudProvider(
  project: TestProject,
  driver: string,
  settings: Record<string, string>,
  zone: string,
): void {
  replaceOnce(
    join(project.dir, '.kompox', 'kom', 'infra.yml'),
    /^ {2}driver: local\n {2}settings: \{.*\}$/m,
    `  driver: ${driver}\n  settings: ${JSON.stringify(settings)}`,
  );
  // Azure's zones are numbers, which YAML would read as one.
  const yamlZone = /^[0-9]+$/.test(zone) ? `'${zone}'` : zone;
  replaceOnce(join(project.dir, 'kompoxapp.yml'), /zone: local-1a/, `zone: ${yamlZone}`);
}

/** Points a test project's Provider at the `eks` driver in `region` (moto, in tests), its app at `zone`. */
export function useEksProvider(project: TestProject, region: string, zone: string): void {
  useCloudProvider(project, 'eks', { AWS_REGION: region }, zone);
}

/** Points a test project's Provider at the `k3s` driver (the cluster's default CSI classes). */
export function useK3sProvider(project: TestProject): void {
  replaceOnce(
    join(project.dir, '.kompox', 'kom', 'infra.yml'),
    /^ {2}driver: local\n {2}settings: \{.*\}$/m,
    '  driver: k3s',
  );
}
