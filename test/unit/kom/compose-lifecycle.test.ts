// healthcheck without a test, disabled healthchecks and restart policies: what Kubernetes can
// honour is honoured, the rest is said.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatKomIssue, loadProject, resolveApp, type AppContext } from '../../../kom';
import { APP_ID, appProject, assertHasError, komErrors } from './project-fixture';

const resolveCompose = (compose: string): AppContext =>
  resolveApp(loadProject({ cwd: appProject({ compose }), env: {} }), APP_ID);

void describe('compose: healthcheck', () => {
  void it('keeps no probe for a healthcheck without test, with a note on the timing fields', () => {
    const context = resolveCompose(
      'services:\n  db:\n    image: postgres\n    healthcheck: { interval: 10s, retries: 5 }\n',
    );
    assert.equal(context.compose.services[0]?.healthcheck, undefined);
    assertHasError(
      context.warnings.map(formatKomIssue),
      'service "db"',
      'healthcheck',
      'has no test',
      'timing fields are ignored',
    );
  });

  void it('honours disable: true without a note', () => {
    const context = resolveCompose(
      'services:\n  db:\n    image: postgres\n    healthcheck: { disable: true, test: [CMD, pg_isready] }\n',
    );
    assert.equal(context.compose.services[0]?.healthcheck, undefined);
    assert.deepEqual(context.warnings, []);
  });
});

void describe('compose: restart', () => {
  void it('accepts always and unless-stopped silently: a Deployment does that', () => {
    const context = resolveCompose(
      'services:\n  a: { image: x, restart: always }\n  b: { image: y, restart: unless-stopped }\n',
    );
    assert.deepEqual(context.warnings, []);
  });

  void it('says what happens to no and on-failure', () => {
    const context = resolveCompose(
      'services:\n  a: { image: x, restart: "no" }\n  b: { image: y, restart: "on-failure:3" }\n',
    );
    const warnings = context.warnings.map(formatKomIssue);
    assertHasError(warnings, 'service "a"', 'restart', 'a Deployment restarts every container that stops');
    assertHasError(warnings, 'service "b"', 'restart', 'also a clean one, with no retry limit');
  });

  void it('refuses an unknown policy', () => {
    const errors = komErrors(() => resolveCompose('services:\n  a: { image: x, restart: sometimes }\n'));
    assertHasError(errors, 'service "a"', 'restart', 'must be no, always, on-failure[:N] or unless-stopped');
  });
});

void describe('compose: security fields', () => {
  void it('refuses user and group names, which Kubernetes cannot resolve', () => {
    const errors = komErrors(() =>
      resolveCompose('services:\n  db: { image: postgres, user: postgres, group_add: [docker] }\n'),
    );
    assertHasError(
      errors,
      'service "db"',
      'user',
      '"postgres": Kubernetes runs containers by numeric ID only',
    );
    assertHasError(
      errors,
      'service "db"',
      'group_add',
      '"docker": Kubernetes adds groups by numeric ID only',
    );
  });

  void it('warns about unsafe sysctls and refuses two values for one pod-wide sysctl', () => {
    const context = resolveCompose("services:\n  a: { image: x, sysctls: ['net.core.somaxconn=1024'] }\n");
    assertHasError(
      context.warnings.map(formatKomIssue),
      "net.core.somaxconn is not one of Kubernetes' safe sysctls",
    );
    const errors = komErrors(() =>
      resolveCompose(
        'services:\n  a: { image: x, sysctls: { net.ipv4.tcp_syncookies: 1 } }\n  b: { image: y, sysctls: { net.ipv4.tcp_syncookies: 0 } }\n',
      ),
    );
    assertHasError(errors, 'service "b"', 'sysctls', 'differs from "1" in service "a"');
  });
});

void describe('compose: depends_on conditions', () => {
  void it('refuses waiting for health that cannot be checked, cycles, and a job that is also a service', () => {
    const errors = komErrors(() =>
      resolveCompose(`services:
  web: { image: a, depends_on: { db: { condition: service_healthy }, seed: { condition: service_completed_successfully } } }
  db: { image: postgres }
  seed: { image: b }
  worker: { image: c, depends_on: [seed] }
  x: { image: d, depends_on: [y] }
  y: { image: e, depends_on: [x] }
`),
    );
    assertHasError(
      errors,
      'service "web"',
      'depends_on.db',
      'waits for "db" to be healthy, but "db" has no healthcheck test',
    );
    assertHasError(errors, 'service "seed"', 'both to complete', 'and to run');
    assertHasError(errors, 'service "x"', 'dependencies form a cycle (x → y → x)');
  });
});

void describe('compose: init', () => {
  void it('warns that init: true changes PID 1 for every service of the pod', () => {
    const shared = resolveCompose(
      'services:\n  app: { image: x, init: true }\n  sonarr: { image: lscr.io/linuxserver/sonarr }\n',
    );
    assertHasError(
      shared.warnings.map(formatKomIssue),
      'service "app"',
      'init',
      '"sonarr" no longer run as PID 1',
    );
    const alone = resolveCompose('services:\n  app: { image: x, init: true }\n');
    assert.deepEqual(alone.warnings, []);
  });
});

void describe('compose: extra_hosts', () => {
  void it('leaves out host-gateway with a warning, and refuses two addresses for one name', () => {
    const context = resolveCompose(
      "services:\n  a: { image: x, extra_hosts: ['host.docker.internal:host-gateway', 'db.local:10.1.1.1'] }\n",
    );
    assert.deepEqual(context.compose.services[0]?.extraHosts, [{ host: 'db.local', ip: '10.1.1.1' }]);
    assertHasError(context.warnings.map(formatKomIssue), 'host.docker.internal: "host-gateway"', 'left out');
    const errors = komErrors(() =>
      resolveCompose(
        "services:\n  a: { image: x, extra_hosts: ['db:10.1.1.1'] }\n  b: { image: y, extra_hosts: { db: 10.1.1.2 } }\n",
      ),
    );
    assertHasError(errors, 'service "b"', 'extra_hosts', 'db is 10.1.1.2 here but 10.1.1.1 in service "a"');
  });
});

void describe('compose: network_mode', () => {
  void it('accepts service:<name> silently: every service shares the pod network anyway', () => {
    const context = resolveCompose(
      'services:\n  vpn: { image: x }\n  app: { image: y, network_mode: "service:vpn" }\n',
    );
    assert.deepEqual(context.warnings, []);
  });
});
