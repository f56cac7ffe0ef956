import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { formatKomIssue, loadProject, readServiceEnvFiles, resolveApp, type AppContext } from '../../../kom';
import {
  APP_ID,
  appDocument,
  appProject,
  assertHasError,
  INFRA,
  komErrors,
  writeProject,
} from './project-fixture';

function resolve(root: string, variables: Record<string, string> = {}): AppContext {
  return resolveApp(loadProject({ cwd: root, env: {} }), APP_ID, { variables });
}

const composeErrors = (compose: string, extra: Record<string, string> = {}) =>
  komErrors(() => resolve(appProject({ compose, extra })));

void describe('compose: normalization', () => {
  void it('reads every supported field', () => {
    const compose = `name: demo
services:
  web:
    image: ghcr.io/acme/web:\${TAG:-1.0}
    entrypoint: /bin/app --flag "two words"
    command: [serve, --port, "80"]
    environment: [B=2, A=1, NOVALUE]
    env_file: [app.env, { path: optional.env, required: false }]
    ports: ['8080:80', '9000', '127.0.0.1:8443:443/tcp', { target: 53, published: '5353', protocol: udp }]
    volumes:
      - data:/data
      - data/cache:/cache:ro
      - ./uploads:/uploads
      - { type: volume, source: db, target: /db, read_only: true, volume: { subpath: pg } }
    configs: [app-conf, { source: app-conf, target: /etc/app.conf, mode: 0440 }]
    secrets: [{ source: token, target: api-token }]
    healthcheck: { test: curl -f http://localhost/, interval: 1m30s, retries: 2, start_period: 5s }
    depends_on: [db]
    working_dir: /srv
    deploy: { resources: { limits: { cpus: '1.5', memory: 512m } } }
    x-kompox: { resources: { cpu: 100m, memory: 64Mi } }
  db:
    image: postgres:16
    healthcheck: { test: [NONE] }
configs:
  app-conf: { content: "a = 1" }
secrets:
  token: { file: ./token.txt }
`;
    const root = appProject({ compose, extra: { 'app.env': 'K=v\n', 'token.txt': 't0ken' } });
    const context = resolve(root, { TAG: '2.0' });
    const [web, db] = context.compose.services;
    assert.equal(context.compose.name, 'demo');
    assert.equal(web?.image, 'ghcr.io/acme/web:2.0');
    assert.deepEqual(web?.entrypoint, ['/bin/app', '--flag', 'two words']);
    assert.deepEqual(web?.command, ['serve', '--port', '80']);
    assert.deepEqual(web?.environment, { A: '1', B: '2' });
    assert.deepEqual(
      web?.envFiles.map((ref) => [ref.path, ref.required]),
      [
        ['app.env', true],
        ['optional.env', false],
      ],
    );
    assert.deepEqual(web?.ports, [
      { containerPort: 80, hostPort: 8080, protocol: 'tcp' },
      { containerPort: 9000, protocol: 'tcp' },
      { containerPort: 443, hostPort: 8443, hostIp: '127.0.0.1', protocol: 'tcp' },
      { containerPort: 53, hostPort: 5353, protocol: 'udp' },
    ]);
    assert.deepEqual(web?.volumeMounts, [
      { volume: 'data', mountPath: '/data', readOnly: false, origin: 'named' },
      { volume: 'data', subPath: 'cache', mountPath: '/cache', readOnly: true, origin: 'named' },
      { volume: 'data', subPath: 'uploads', mountPath: '/uploads', readOnly: false, origin: 'bind' },
      { volume: 'db', subPath: 'pg', mountPath: '/db', readOnly: true, origin: 'named' },
    ]);
    assert.deepEqual(web?.configs, [
      { source: 'app-conf', target: '/app-conf' },
      { source: 'app-conf', target: '/etc/app.conf', mode: 0o440 },
    ]);
    assert.deepEqual(web?.secrets, [{ source: 'token', target: '/run/secrets/api-token' }]);
    assert.deepEqual(web?.healthcheck, {
      test: ['CMD-SHELL', 'curl -f http://localhost/'],
      intervalMs: 90_000,
      retries: 2,
      startPeriodMs: 5000,
    });
    assert.deepEqual(web?.dependsOn, [{ service: 'db', condition: 'service_started', required: true }]);
    assert.equal(web?.workingDir, '/srv');
    assert.deepEqual(web?.resources, {
      requests: { cpuMillicores: 100, memoryBytes: 64 * 2 ** 20 },
      limits: { cpuMillicores: 1500, memoryBytes: 512 * 2 ** 20 },
    });
    assert.equal(db?.healthcheck, undefined);
    assert.deepEqual(context.compose.secrets, [
      {
        name: 'token',
        kubeName: 'token',
        source: { kind: 'file', path: 'token.txt', absolutePath: path.join(root, 'token.txt') },
      },
    ]);
    const warnings = context.warnings.map(formatKomIssue);
    assertHasError(warnings, 'compose.yml', 'service "web"', 'NOVALUE has no value');
    assertHasError(warnings, 'service "web"', 'ports[2]', 'host IP 127.0.0.1');
    assert.deepEqual(readServiceEnvFiles(web!), { K: 'v' });
  });

  void it('interpolates from the given variables over a .env next to the compose file', () => {
    const compose = `services:\n  web:\n    image: "nginx:\${TAG}"\n    environment: { GREETING: "\${HELLO}" }\n`;
    const root = appProject({ compose, extra: { '.env': 'TAG=from-dotenv\nHELLO=hi\n' } });
    const context = resolve(root, { TAG: 'from-caller' });
    assert.equal(context.compose.services[0]?.image, 'nginx:from-caller');
    assert.deepEqual(context.compose.services[0]?.environment, { GREETING: 'hi' });
  });

  void it('warns about ignored fields and drops a volume shadowed by a config', () => {
    const compose = `version: "3.8"
services:
  web:
    image: nginx
    restart: always
    hostname: web1
    networks: [front]
    cpus: 2
    volumes: ['data:/etc/nginx/nginx.conf']
    configs: [{ source: conf, target: /etc/nginx/nginx.conf }]
    bogus: 1
networks: { front: {} }
configs: { conf: { content: "x" } }
x-common: &common { a: 1 }
`;
    const warnings = resolve(appProject({ compose })).warnings.map(formatKomIssue);
    assertHasError(warnings, 'version: is obsolete');
    assert.equal(
      warnings.some((line) => line.includes('restart')),
      false,
      'restart: always is what a Deployment does',
    );
    assertHasError(warnings, 'service "web"', 'hostname: is not supported');
    assertHasError(warnings, 'cpus: is not supported and is ignored; use deploy.resources.limits.cpus');
    assertHasError(warnings, 'service "web"', 'bogus: unknown field');
    assertHasError(warnings, 'networks: is not supported');
    assertHasError(warnings, 'the volume mount at "/etc/nginx/nginx.conf" is dropped');
    assert.equal(
      warnings.some((line) => line.includes('x-common')),
      false,
    );
  });
});

void describe('compose: errors name the compose file, the service and the value', () => {
  void it('refuses what would change meaning', () => {
    const errors = composeErrors(`services:
  web:
    build: .
    network_mode: host
    privileged: true
    volumes: ['/var/run/docker.sock:/var/run/docker.sock', { type: npipe, source: x, target: /y }]
  worker:
    image: busybox
    deploy: { replicas: 3 }
`);
    assertHasError(
      errors,
      'compose.yml (line 3): service "web": build: build without image is not supported',
    );
    assertHasError(errors, 'service "web"', 'network_mode', '"host" is not supported');
    assertHasError(errors, 'service "web"', 'privileged', 'not supported');
    assertHasError(
      errors,
      'service "web"',
      'volumes[0]',
      '"/var/run/docker.sock:/var/run/docker.sock"',
      'host path',
    );
    assertHasError(errors, 'service "web"', 'volumes[1].type', '"npipe" volumes are not supported');
    assertHasError(errors, 'service "worker"', 'deploy.replicas', 'exactly one replica');
  });

  void it('rejects unknown volumes once, with the spec.volumes entry to add', () => {
    const errors = composeErrors(`services:
  web:
    image: nginx
    volumes: ['cache:/cache', 'data/../etc:/x', 'Build_Cache:/b', 'a_very_long_volume_name:/c']
volumes:
  cache: {}
`);
    assertHasError(
      errors,
      'compose.yml (line 6): volumes.cache',
      'volume "cache" is not declared in App spec.volumes (declared: "data", "db"); add "- { name: cache, size: 10Gi }" to App spec.volumes',
    );
    // Declared at the top and mounted: one error, not a second one for the mount.
    assert.equal(errors.filter((line) => line.includes('"cache"')).length, 1, errors.join('\n'));
    assertHasError(errors, 'service "web"', 'volumes[1]', 'sub-path "../etc"');
    assertHasError(errors, 'volumes[2]', 'add "- { name: build-cache, size: 10Gi }"');
    assertHasError(
      errors,
      'volumes[3]',
      'rename it here, e.g. to "a-very-long-volu", and add "- { name: a-very-long-volu, size: 10Gi }"',
    );
  });

  void it('reports a required variable with its message and location', () => {
    const errors = composeErrors(
      'services:\n  web:\n    image: nginx\n    environment:\n      TOKEN: ${X:?missing}\n',
    );
    assertHasError(
      errors,
      'compose.yml (line 5): service "web": environment.TOKEN: required variable X is not set: missing',
    );
  });

  void it('rejects `..`, absolute paths and symlinks in local references', () => {
    const root = appProject({
      compose: `services:
  web:
    image: nginx
    env_file: ../outside.env
    volumes: ['./link:/link']
configs:
  abs: { file: /etc/passwd }
secrets:
  linked: { file: ./secret-link }
`,
      extra: { 'real/secret': 's', 'real/dir/.keep': '' },
    });
    fs.symlinkSync(path.join(root, 'real/secret'), path.join(root, 'secret-link'));
    fs.symlinkSync(path.join(root, 'real/dir'), path.join(root, 'link'));
    const errors = komErrors(() => resolve(root));
    assertHasError(errors, 'service "web"', 'env_file', '"../outside.env" contains ".."');
    assertHasError(errors, 'service "web"', 'volumes[0]', 'link is a symlink');
    assertHasError(errors, 'configs.abs.file', '"/etc/passwd" is absolute');
    assertHasError(errors, 'secrets.linked.file', 'secret-link is a symlink');
  });

  void it('rejects directories where files are expected and missing env files', () => {
    const errors = composeErrors(
      `services:\n  web:\n    image: nginx\n    env_file: [missing.env]\nsecrets:\n  dir: { file: ./adir }\n`,
      { 'adir/x': '' },
    );
    assertHasError(errors, 'env_file[0]', '"missing.env" does not exist');
    assertHasError(errors, 'secrets.dir.file', 'not a regular file');
  });

  void it('rejects port clashes in the one Pod and malformed ports', () => {
    const errors = composeErrors(`services:
  a:
    image: x
    ports: ['8080:80', '8000-8010:80', 'http', '1-200']
  b:
    image: y
    ports: ['8080:81', '9090:80']
`);
    assertHasError(
      errors,
      'service "a"',
      'ports[1]',
      'the host range has 11 ports and the container range 1',
    );
    assertHasError(errors, 'service "a"', 'ports[3]', 'a range of 200 ports; at most 100');
    assertHasError(errors, 'service "a"', 'ports[2]', '"http" is not a port mapping');
    assertHasError(errors, 'service "b"', 'host port 8080/tcp is already published by service "a"');
    assertHasError(errors, 'service "b"', 'container port 80/tcp is also used by service "a"');
  });

  void it('rejects undefined configs, bad dependencies, bad healthchecks and service names', () => {
    const errors = composeErrors(`services:
  web:
    image: nginx
    configs: [nope]
    depends_on: [web, ghost]
    healthcheck: { test: [RUN, x], interval: soon }
  bad_:
    image: nginx
`);
    assertHasError(
      errors,
      'service "web"',
      'configs[0]',
      '"nope" is not defined under the top-level configs',
    );
    assertHasError(errors, 'service "web"', 'cannot depend on itself');
    assertHasError(errors, 'service "web"', '"ghost" is not a service');
    assertHasError(errors, 'service "web"', 'healthcheck.test', 'must start with "CMD"');
    assertHasError(errors, 'service "web"', 'healthcheck.interval', 'invalid duration "soon"');
    assertHasError(errors, 'service "bad_"', '"bad_" becomes "bad-" is not a DNS label');
  });

  void it('checks the App against its compose project', () => {
    const appSpec = `compose: file:compose.yml
volumes: [{ name: data, size: 1Gi }]
ingress:
  rules:
    - { name: web, port: 9999, hosts: [app.cls1.example.test] }
    - { name: alt, port: 8080, hosts: [ok.example.com] }
snapshots: { consistency: hook, hook: { container: nope, pre: [sync] } }`;
    const errors = komErrors(() => resolve(appProject({ appSpec })));
    assertHasError(
      errors,
      'kompoxapp.yml (document 1)',
      'spec.ingress.rules[0].port',
      '9999 is not a TCP host port published in compose (published: 8080)',
    );
    assertHasError(
      errors,
      'spec.snapshots.hook.container',
      '"nope" is not a compose service (services: web)',
    );
    const hostSpec =
      'compose: file:compose.yml\nvolumes: [{ name: data, size: 1Gi }]\ningress: { rules: [{ name: web, port: 8080, hosts: [app.cls1.example.test] }] }';
    const hostErrors = komErrors(() => resolve(appProject({ appSpec: hostSpec })));
    assertHasError(hostErrors, 'spec.ingress.rules[0].hosts[0]', 'under the cluster domain');
  });

  void it('allows local references only for Apps in the app file', () => {
    const root = writeProject({
      '.kompox/kom/infra.yml': `${INFRA}---\n${appDocument('compose: file:compose.yml\nvolumes: [{ name: data, size: 1Gi }]')}`,
      'compose.yml': 'services: { web: { image: nginx } }\n',
    });
    const errors = komErrors(() => resolve(root));
    assertHasError(
      errors,
      'infra.yml (document 4)',
      'spec.compose',
      'only allowed for Apps declared in the Kompox app file',
    );

    const inline = writeProject({
      '.kompox/kom/infra.yml': `${INFRA}---\n${appDocument(
        'compose: |\n  services:\n    web: { image: nginx, env_file: x.env, volumes: ["./d:/d"] }\nvolumes: [{ name: data, size: 1Gi }]',
      )}`,
    });
    const inlineErrors = komErrors(() => resolve(inline));
    assertHasError(
      inlineErrors,
      'spec.compose',
      'service "web"',
      'env_file',
      'only allowed for Apps declared in the Kompox app file',
    );
    assertHasError(inlineErrors, 'service "web"', 'volumes[0]', 'only allowed for Apps declared');
  });

  void it('reports every compose error at once', () => {
    const errors = composeErrors(`services:
  a: { image: x, ports: [bad], volumes: [nope:/x] }
  b: { build: ., environment: { T: "\${Q:?need Q}" } }
`);
    assert.ok(errors.length >= 4, errors.join('\n'));
  });
});
