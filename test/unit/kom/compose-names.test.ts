// Compose names that are not DNS labels: mapped, checked for collisions, and refused only when
// no mapping helps. Whatever passes here must render (see kube/convert/names.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dnsLabelOf, loadProject, resolveApp, serviceKubeName, type AppContext } from '../../../kom';
import { APP_ID, appProject, assertHasError, komErrors } from './project-fixture';

const resolveProject = (options: Parameters<typeof appProject>[0]): AppContext =>
  resolveApp(loadProject({ cwd: appProject(options), env: {} }), APP_ID);

void describe('compose names: mapping', () => {
  void it('maps to lower case with "-" and prefixes services that start with a digit', () => {
    assert.equal(dnsLabelOf('db_data'), 'db-data');
    assert.equal(dnsLabelOf('My.Config'), 'my-config');
    assert.equal(serviceKubeName('front_end'), 'front-end');
    assert.equal(serviceKubeName('NGINX'), 'nginx');
    assert.equal(serviceKubeName('appFoo'), 'appfoo');
    assert.equal(serviceKubeName('2fa'), 'svc-2fa');
  });

  void it('accepts compose service, volume, config and secret names', () => {
    const context = resolveProject({
      appSpec: 'compose: file:compose.yml\nvolumes: [{ name: db_data, size: 1Gi }]',
      compose: `services:
  front_end: { image: nginx, volumes: ['db_data:/data'], configs: [my_config], secrets: [My.Secret] }
  2fa: { image: authelia }
  NGINX: { image: nginx }
volumes:
  db_data: {}
configs:
  my_config: { content: "x" }
secrets:
  My.Secret: { content: "s" }
`,
    });
    const services = context.compose.services.map((service) => [service.name, service.kubeName]);
    assert.deepEqual(services, [
      ['front_end', 'front-end'],
      ['2fa', 'svc-2fa'],
      ['NGINX', 'nginx'],
    ]);
    assert.deepEqual(
      context.app.volumes.map((volume) => volume.name),
      ['db-data'],
    );
    assert.equal(context.compose.services[0]?.volumeMounts[0]?.volume, 'db-data');
    assert.equal(context.compose.configs[0]?.kubeName, 'my-config');
    assert.equal(context.compose.secrets[0]?.kubeName, 'my-secret');
    const warnings = context.warnings.map((warning) => warning.message).join('\n');
    // front_end cannot be a host name, so siblings must use the new one; 2fa gets an alias.
    assert.match(warnings, /other services must reach it as "front-end"/);
    assert.doesNotMatch(warnings, /"2fa" is not a valid host name/);
  });

  void it('accepts the compose spelling of an App volume in KOM and says what it becomes', () => {
    const root = appProject({
      appSpec: 'compose: file:compose.yml\nvolumes: [{ name: pg_data, size: 1Gi }]',
      compose: "services:\n  db: { image: postgres, volumes: ['pg-data:/var/lib/postgresql/data'] }\n",
    });
    const project = loadProject({ cwd: root, env: {} });
    assert.deepEqual(
      project.apps[0]?.volumes.map((volume) => volume.name),
      ['pg-data'],
    );
    assert.ok(
      project.warnings.some((warning) => warning.message.includes('"pg_data" is volume "pg-data"')),
      JSON.stringify(project.warnings),
    );
  });
});

void describe('compose names: refusals', () => {
  void it('refuses two names that map to the same Kubernetes name', () => {
    const errors = komErrors(() =>
      resolveProject({
        compose: `services:
  front_end: { image: a }
  front-end: { image: b }
configs:
  a_b: { content: "1" }
  a-b: { content: "2" }
volumes:
  data: {}
  DATA: {}
`,
      }),
    );
    assertHasError(
      errors,
      'service "front-end"',
      'services "front-end" and "front_end" both become "front-end"',
    );
    assertHasError(errors, 'configs.a-b', 'configs "a-b" and "a_b" both become "a-b"');
    assertHasError(errors, 'volumes.DATA', 'volumes "DATA" and "data" both become "data"');
  });

  void it('refuses App volumes that collide after mapping', () => {
    const errors = komErrors(() =>
      loadProject({
        cwd: appProject({
          appSpec:
            'compose: file:compose.yml\nvolumes: [{ name: db_data, size: 1Gi }, { name: db-data, size: 1Gi }]',
        }),
        env: {},
      }),
    );
    assertHasError(errors, 'spec.volumes[1].name', 'volumes "db-data" and "db_data" both become "db-data"');
  });

  void it('refuses names no mapping can fix, naming both spellings', () => {
    const errors = komErrors(() =>
      resolveProject({ compose: `services:\n  web_: { image: a }\n  ${'x'.repeat(64)}: { image: b }\n` }),
    );
    assertHasError(errors, 'service "web_"', '"web_" becomes "web-" is not a DNS label');
    assertHasError(errors, `service "${'x'.repeat(64)}"`, 'is not a DNS label (1-63');
  });

  void it('refuses a service whose name clashes with the Deployment of the App', () => {
    const errors = komErrors(() => resolveProject({ compose: 'services:\n  app1_app: { image: a }\n' }));
    assertHasError(errors, 'compose.yml: service "app1_app"', 'starts with "app1-app"', 'rename the service');
  });
});

void describe('compose names: snapshot hook', () => {
  void it('execs the hook in the container of the named service, by its Kubernetes name', () => {
    const root = appProject({
      appSpec: `compose: file:compose.yml
volumes: [{ name: data, size: 1Gi }]
snapshots: { consistency: hook, hook: { container: db_main, pre: [sync] } }`,
      compose: "services:\n  db_main: { image: postgres, volumes: ['data:/var/lib/postgresql/data'] }\n",
    });
    const project = loadProject({ cwd: root, env: {} });
    const context = resolveApp(project, APP_ID);
    assert.equal(context.app.snapshots?.hook?.container, 'db-main');
    assert.equal(project.apps[0]?.snapshots?.hook?.container, 'db_main', 'the loaded App is unchanged');
  });
});
