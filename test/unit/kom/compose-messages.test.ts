// Refusals say what to do and name real things; a problem is reported once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadProject, resolveApp } from '../../../kom';
import {
  APP_ID,
  appDocument,
  appProject,
  assertHasError,
  INFRA,
  komErrors,
  writeProject,
} from './project-fixture';

const errorsOf = (compose: string, appSpec?: string): string[] =>
  komErrors(() =>
    resolveApp(
      loadProject({ cwd: appProject({ compose, ...(appSpec ? { appSpec } : {}) }), env: {} }),
      APP_ID,
    ),
  );

void describe('compose messages', () => {
  void it('names a version 1 file once, and nothing else about it', () => {
    const errors = errorsOf('web:\n  image: nginx\n  links: [db]\ndb:\n  image: postgres\n');
    assert.equal(errors.length, 1, errors.join('\n'));
    assertHasError(
      errors,
      'compose.yml',
      'this is a version 1 compose file',
      'move the services under services:',
    );
  });

  void it('suggests a volume the App really declares, or the entry to add when it has none', () => {
    const compose = "services:\n  web:\n    image: nginx\n    volumes: ['/srv/www:/usr/share/nginx/html']\n";
    assertHasError(
      errorsOf(compose, 'compose: file:compose.yml\nvolumes: [{ name: site, size: 1Gi }]'),
      'host path "/srv/www" cannot be mounted',
      'e.g. "site:/usr/share/nginx/html"',
    );
    assertHasError(
      errorsOf(compose, 'compose: file:compose.yml'),
      'declare an App volume ("- { name: data, size: 10Gi }" in App spec.volumes)',
    );
  });

  void it('names a Windows path as one, with the container path it was meant for', () => {
    const errors = errorsOf(
      "services:\n  web:\n    image: nginx\n    volumes: ['C:\\\\site:/usr/share/nginx/html:ro']\n",
    );
    assertHasError(errors, 'volumes[0]', 'starts with a Windows path', 'e.g. "data:/usr/share/nginx/html"');
  });
});

void describe('validate refuses what render would', () => {
  void it('refuses an App name too long for its namespace', () => {
    const name = 'a'.repeat(46);
    const errors = komErrors(() =>
      loadProject({
        cwd: writeProject({
          '.kompox/kom/infra.yml': INFRA,
          'kompoxapp.yml': appDocument('compose: "services: { web: { image: nginx } }"', name),
        }),
        env: {},
      }),
    );
    assertHasError(errors, 'metadata.name', 'is 46 characters; an App name is at most 45');
  });

  void it('refuses a config or secret file larger than a ConfigMap or Secret holds', () => {
    const errors = komErrors(() =>
      resolveApp(
        loadProject({
          cwd: appProject({
            compose:
              'services:\n  web: { image: nginx, configs: [big] }\nconfigs:\n  big: { file: ./big.txt }\n',
            extra: { 'big.txt': 'x'.repeat(1024 * 1024 + 1) },
          }),
          env: {},
        }),
        APP_ID,
      ),
    );
    assertHasError(
      errors,
      'configs.big.file',
      '"./big.txt" is 1048577 bytes; a ConfigMap or Secret holds at most 1048576',
    );
  });
});
