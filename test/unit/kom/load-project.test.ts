import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadProject, resolveApp, resolveDefaultAppId, readServiceEnvFiles } from '../../../kom';
import {
  APP_ID,
  appDocument,
  appProject,
  assertHasError,
  INFRA,
  komErrors,
  writeProject,
} from './project-fixture';

const EXAMPLE = path.resolve(__dirname, '../../../../examples/wiki');
const load = (cwd: string) => loadProject({ cwd, env: {} });

void describe('loadProject: the wiki example', () => {
  void it('loads every kind, with defaults and sizes in bytes', () => {
    const project = load(EXAMPLE);
    assert.equal(project.root, EXAMPLE);
    assert.equal(project.komSources.level, 'default');
    assert.deepEqual(
      [project.workspaces, project.providers, project.clusters, project.apps].map((list) =>
        list.map((item) => item.id),
      ),
      [
        ['/ws/demo'],
        ['/ws/demo/prv/local'],
        ['/ws/demo/prv/local/cls/dev'],
        ['/ws/demo/prv/local/cls/dev/app/wiki'],
      ],
    );
    assert.equal(project.providers[0]?.driver, 'local');
    assert.equal(project.clusters[0]?.existing, true);
    assert.equal(project.clusters[0]?.ingress.namespace, 'traefik');
    const app = project.apps[0];
    assert.ok(app);
    assert.deepEqual(
      app.volumes.map((volume) => [volume.name, volume.sizeBytes, volume.type]),
      [
        ['default', 2 ** 30, 'disk'],
        ['db', 2 * 2 ** 30, 'disk'],
      ],
    );
    assert.equal(app.refBase, `file://${EXAMPLE}/`);
    assert.deepEqual(app.snapshots?.schedule, { kind: 'cron', expression: '17 */6 * * *' });
    assert.equal(app.snapshots?.retention?.maxAgeMs, 90 * 86_400_000);
    assert.deepEqual(app.failover, { enabled: true, verifyGraceSeconds: 30, crossZone: 'latestSnapshot' });
    assert.equal(app.annotations['ops.kompox.dev/doc-index'], '2');
    // The example's failover policy is active: loading it warns of nothing.
    assert.deepEqual(project.warnings, []);
  });

  void it('resolves the default app with its compose project, keeping env-file values out of the model', () => {
    const project = load(EXAMPLE);
    const context = resolveApp(project, resolveDefaultAppId(project));
    assert.equal(context.cluster.id, '/ws/demo/prv/local/cls/dev');
    assert.deepEqual(
      context.compose.services.map((service) => service.name),
      ['wiki', 'db'],
    );
    const [wiki, db] = context.compose.services;
    assert.deepEqual(wiki?.volumeMounts, [
      { volume: 'default', subPath: 'data', mountPath: '/wiki/data', readOnly: false, origin: 'bind' },
    ]);
    assert.deepEqual(db?.volumeMounts, [
      {
        volume: 'db',
        subPath: 'postgres',
        mountPath: '/var/lib/postgresql/data',
        readOnly: false,
        origin: 'named',
      },
    ]);
    assert.deepEqual(db?.secrets, [{ source: 'db-password', target: '/run/secrets/db-password' }]);
    assert.match(JSON.stringify(context.compose.configs), /pass: \$\(DB_PASS\)/);
    assert.equal(
      JSON.stringify(context).includes('kompox-demo-password'),
      false,
      'secret values leak into the model',
    );
    assert.deepEqual(readServiceEnvFiles(wiki!), { DB_PASS: 'kompox-demo-password' });
    assert.deepEqual(context.warnings, []);
  });
});

void describe('loadProject: KOM errors name the file and document', () => {
  const withInfra = (infra: string, appFile = appDocument('compose: "services: {}"')) =>
    komErrors(() => load(writeProject({ '.kompox/kom/infra.yml': infra, 'kompoxapp.yml': appFile })));

  void it('rejects a wrong apiVersion', () => {
    const errors = withInfra(INFRA.replace('ops.kompox.dev/v1alpha1', 'ops.kompox.dev/v1'));
    assertHasError(
      errors,
      '.kompox/kom/infra.yml (document 1, line 1)',
      'apiVersion: must be "ops.kompox.dev/v1alpha1", got "ops.kompox.dev/v1"',
    );
  });

  void it('rejects an unknown kind', () => {
    const errors = withInfra(
      `${INFRA}---\napiVersion: ops.kompox.dev/v1alpha1\nkind: Database\nmetadata: { name: x }\nspec: {}\n`,
    );
    assertHasError(errors, 'infra.yml (document 4', 'unknown kind "Database"');
  });

  void it('rejects malformed resource IDs', () => {
    const errors = withInfra(INFRA.replace('/ws/ws1/prv/prv1 }', '/ws/ws1/provider/prv1 }'));
    assertHasError(errors, 'infra.yml (document 2', 'unknown segment kind "provider"');
    const odd = withInfra(INFRA.replace('/ws/ws1/prv/prv1 }', '/ws/ws1/prv }'));
    assertHasError(odd, '(document 2', 'must be kind/name pairs');
  });

  void it('rejects an ID whose kind does not match the document kind', () => {
    const errors = withInfra(INFRA.replace('/ws/ws1/prv/prv1/cls/cls1 }', '/ws/ws1/prv/prv1/app/cls1 }'));
    assertHasError(errors, '(document 3', 'segment 3 must be "cls"');
  });

  void it('rejects a name that differs from the ID', () => {
    const errors = withInfra(INFRA.replace('name: prv1,', 'name: other,'));
    assertHasError(
      errors,
      'infra.yml (document 2',
      'provider "/ws/ws1/prv/prv1"',
      '"other" does not match the last name of the ID, "prv1"',
    );
  });

  void it('reports a missing parent in the reference format', () => {
    const errors = withInfra(INFRA.replaceAll('/ws/ws1/prv/prv1', '/ws/ws2/prv/prv1'));
    assertHasError(
      errors,
      'infra.yml (document 2): provider "/ws/ws2/prv/prv1": parent "/ws/ws2" does not exist',
    );
  });

  void it('rejects duplicate IDs, naming the first declaration', () => {
    const errors = withInfra(`${INFRA}---\n${INFRA.split('---')[0]}`);
    assertHasError(
      errors,
      'infra.yml (document 4): workspace "/ws/ws1": duplicate Resource ID; it is already declared in',
      'infra.yml (document 1)',
    );
  });

  void it('reports every error of every file at once', () => {
    const root = writeProject({
      '.kompox/kom/infra.yml': INFRA.replace('driver: local', 'driver: 7, extra: [1]').replace(
        'name: cls1,',
        'name: Cls1,',
      ),
      '.kompox/kom/more.yml':
        'apiVersion: ops.kompox.dev/v1alpha1\nkind: Workspace\nmetadata: { name: w2 }\nspec: {}\n',
      'kompoxapp.yml': appDocument(
        'compose: "services: {}"\nvolumes: [{ name: data, size: lots }]\ndeployment: { pool: a, pools: [b] }',
      ),
    });
    const errors = komErrors(() => load(root));
    assertHasError(errors, 'infra.yml (document 3', 'metadata.name', 'not a DNS label');
    assertHasError(errors, 'more.yml (document 1', 'ops.kompox.dev/id', 'is required');
    assertHasError(errors, 'kompoxapp.yml (document 1', 'spec.volumes[0].size', 'invalid size "lots"');
    assertHasError(errors, 'kompoxapp.yml (document 1', 'spec.deployment.pools', 'either pool or pools');
    assert.ok(errors.length >= 4, errors.join('\n'));
  });

  void it('rejects Defaults outside the app file and a Defaults appId that does not exist', () => {
    const errors = withInfra(
      `${INFRA}---\napiVersion: ops.kompox.dev/v1alpha1\nkind: Defaults\nspec: {}\n`,
      `apiVersion: ops.kompox.dev/v1alpha1\nkind: Defaults\nspec: { appId: /ws/ws1/prv/prv1/cls/cls1/app/nope }\n---\n${appDocument('compose: "services: {}"')}`,
    );
    assertHasError(errors, 'infra.yml (document 4)', 'Defaults may only appear in the Kompox app file');
    assertHasError(errors, 'kompoxapp.yml (document 1', 'spec.appId', 'is not declared');
  });

  void it('checks deployment, volumes, network policy and protection in the spec', () => {
    const spec = `compose: "services: {}"
volumes:
  - { name: this-name-is-too-long, size: 1Gi }
  - { name: ok, size: 0 }
deployment: { zone: a, zones: [b], selectors: { x: y } }
networkPolicy:
  ingressRules:
    - ports: [{ port: 80 }]
    - from: [{ namespaceSelector: {} }]
    - from: [{ namespaceSelector: { matchExpressions: [{ key: team, operator: In }] } }]
      ports: [{ protocol: HTTP, port: 70000 }]`;
    const errors = komErrors(() => load(appProject({ appSpec: spec })));
    assertHasError(errors, 'spec.volumes[0].name', 'not a DNS label (1-16');
    assertHasError(errors, 'spec.volumes[1].size', 'positive whole number');
    assertHasError(errors, 'spec.deployment.zones', 'either zone or zones');
    assertHasError(errors, 'spec.deployment.selectors', 'reserved');
    assertHasError(errors, 'spec.networkPolicy.ingressRules[0].ports', 'need a "from"');
    assertHasError(errors, 'ingressRules[1].from[0].namespaceSelector', 'must not be empty');
    assertHasError(errors, 'matchExpressions[0].values', 'operator In needs at least one value');
    assertHasError(errors, 'ports[0].protocol', 'must be one of TCP, UDP, SCTP, got "HTTP"');
    assertHasError(errors, 'ports[0].port', 'at most 65535');
  });

  void it('loads quantities and plain byte counts', () => {
    const project = load(
      appProject({
        appSpec:
          'compose: file:compose.yml\nvolumes: [{ name: data, size: 1073741824 }, { name: b, size: 500M }, { name: c, size: 1.5Gi }]',
      }),
    );
    assert.deepEqual(
      project.apps[0]?.volumes.map((volume) => volume.sizeBytes),
      [2 ** 30, 500e6, 1.5 * 2 ** 30],
    );
    assert.equal(project.apps[0]?.id, APP_ID);
  });
});

void describe('loadProject: Cluster and Box specs', () => {
  const box = (name: string, spec: string) =>
    `---\napiVersion: ops.kompox.dev/v1alpha1\nkind: Box\nmetadata: { name: ${name}, annotations: { ops.kompox.dev/id: ${APP_ID}/box/${name} } }\nspec: ${spec}\n`;

  void it('reads boxes and cluster defaults, and warns about unknown spec fields', () => {
    const root = writeProject({
      '.kompox/kom/infra.yml': INFRA.replace('existing: true', 'existing: true, colour: blue'),
      'kompoxapp.yml':
        appDocument('compose: "services: {}"') +
        box('shell', '{ image: "debian:12", command: [sleep], args: [infinity] }'),
    });
    const project = load(root);
    assert.deepEqual(
      project.boxes.map((item) => [item.id, item.appId, item.component, item.image, item.command, item.args]),
      [[`${APP_ID}/box/shell`, APP_ID, 'shell', 'debian:12', ['sleep'], ['infinity']]],
    );
    assert.deepEqual(project.clusters[0]?.protection, { provisioning: 'none', installation: 'none' });
    assert.equal(project.clusters[0]?.ingress.serviceAccount, 'ingress-service-account');
    assertHasError(
      project.warnings.map((issue) => `${issue.field}: ${issue.message}`),
      'spec.colour: unknown field; it is ignored',
    );
  });

  void it('rejects bad boxes and protection levels', () => {
    const root = writeProject({
      '.kompox/kom/infra.yml': INFRA.replace(
        'existing: true',
        'existing: true, protection: { provisioning: locked }',
      ),
      'kompoxapp.yml':
        appDocument('compose: "services: {}"') +
        box('app', '{ image: x }') +
        box('tools', '{ component: other, command: [sh], ingress: {} }'),
    });
    const errors = komErrors(() => load(root));
    assertHasError(
      errors,
      'infra.yml (document 3',
      'spec.protection.provisioning',
      'none, cannotDelete, readOnly',
      '"locked"',
    );
    assertHasError(errors, 'kompoxapp.yml (document 2', '"app" is the reserved component name');
    assertHasError(
      errors,
      'kompoxapp.yml (document 3',
      'spec.component: must equal the Box name "tools", got "other"',
    );
    assertHasError(errors, 'kompoxapp.yml (document 3', 'spec.command: only a standalone box');
    assertHasError(errors, 'kompoxapp.yml (document 3', 'spec.ingress: is reserved');
  });

  void it('reports YAML syntax errors with their document and line', () => {
    const errors = komErrors(() =>
      load(
        writeProject({
          '.kompox/kom/infra.yml': `${INFRA}---\nkind: [unclosed\n`,
          'kompoxapp.yml': appDocument('compose: x'),
        }),
      ),
    );
    assertHasError(errors, 'infra.yml (document 4, line', 'invalid YAML');
  });
});
