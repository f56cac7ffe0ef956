// Compose profiles: services without a profile run, plus those of a chosen profile; the
// choice comes from the resolveApp option, else COMPOSE_PROFILES.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadProject, resolveApp } from '../../../kom';
import { APP_ID, appProject, assertHasError, komErrors } from './project-fixture';

const COMPOSE = `services:
  web: { image: nginx }
  debug: { image: busybox, profiles: [debug], build: . }
  admin: { image: adminer, profiles: [tools, debug] }
`;

function runningServices(options: { env?: Record<string, string>; profiles?: string[] }): string[] {
  const project = loadProject({ cwd: appProject({ compose: COMPOSE }), env: options.env ?? {} });
  const context = resolveApp(project, APP_ID, options.profiles ? { profiles: options.profiles } : {});
  return context.compose.services.map((service) => service.name);
}

void describe('compose: profiles', () => {
  void it('runs only services without a profile by default', () => {
    assert.deepEqual(runningServices({}), ['web']);
  });

  void it('adds the services of a chosen profile', () => {
    assert.deepEqual(runningServices({ profiles: ['tools'] }), ['web', 'admin']);
    assert.deepEqual(runningServices({ profiles: ['debug'] }), ['web', 'debug', 'admin']);
    assert.deepEqual(runningServices({ profiles: ['*'] }), ['web', 'debug', 'admin']);
  });

  void it('honours COMPOSE_PROFILES, and the option wins over it', () => {
    assert.deepEqual(runningServices({ env: { COMPOSE_PROFILES: 'tools, ' } }), ['web', 'admin']);
    assert.deepEqual(runningServices({ env: { COMPOSE_PROFILES: 'tools' }, profiles: [] }), ['web']);
  });

  void it('records the chosen profiles, sorted and distinct, in the app context', () => {
    const project = loadProject({ cwd: appProject({ compose: COMPOSE }), env: {} });
    assert.deepEqual(resolveApp(project, APP_ID, { profiles: ['tools', 'debug', 'tools'] }).profiles, [
      'debug',
      'tools',
    ]);
  });

  void it('refuses a dependency on a service whose profile is not chosen', () => {
    const compose = `services:
  web: { image: nginx, depends_on: [db], profiles: [] }
  db: { image: postgres, profiles: [db] }
`;
    const errors = komErrors(() =>
      resolveApp(loadProject({ cwd: appProject({ compose }), env: {} }), APP_ID),
    );
    assertHasError(
      errors,
      'service "web"',
      'depends_on',
      '"db" runs only with profile "db", which is not chosen',
    );
  });
});
