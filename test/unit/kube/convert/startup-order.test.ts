// depends_on conditions → native sidecars and init containers, in dependency order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertApp } from '../../../../kube/convert';
import { convertProject, wikiInput } from './fixture';
import { deployment } from './helpers';

const COMPOSE = `services:
  app:
    image: ghcr.io/acme/app
    depends_on:
      migrate: { condition: service_completed_successfully }
      cache: { condition: service_started }
  migrate:
    image: ghcr.io/acme/app
    command: [migrate]
    depends_on: { db: { condition: service_healthy } }
    healthcheck: { test: [CMD, "true"] }
  db:
    image: postgres:16
    healthcheck: { test: [CMD-SHELL, pg_isready], interval: 2s, retries: 10, start_period: 20s, start_interval: 1s }
  cache:
    image: redis:7
`;

void describe('convertApp: start order from depends_on', () => {
  const pod = deployment(convertProject({ compose: COMPOSE })).spec?.template.spec;

  void it('starts dependencies first: sidecars that keep running, then jobs that must finish', () => {
    assert.deepEqual(
      pod?.initContainers?.map((c) => [c.name, c.restartPolicy ?? 'job']),
      [
        ['db', 'Always'],
        ['migrate', 'job'],
        ['cache', 'Always'],
      ],
    );
    assert.deepEqual(
      pod?.containers.map((c) => c.name),
      ['app'],
    );
  });

  void it('holds the next container back until a service_healthy dependency passes its healthcheck', () => {
    const db = pod?.initContainers?.find((c) => c.name === 'db');
    // 20s start period + 10 retries 2s apart, checked every second.
    assert.deepEqual(db?.startupProbe, {
      exec: { command: ['/bin/sh', '-c', 'pg_isready'] },
      periodSeconds: 1,
      timeoutSeconds: 30,
      failureThreshold: 40,
      successThreshold: 1,
    });
    assert.equal(pod?.initContainers?.find((c) => c.name === 'cache')?.startupProbe, undefined);
  });

  void it('gives a job no probes: an init container is done when it exits', () => {
    const migrate = pod?.initContainers?.find((c) => c.name === 'migrate');
    assert.equal(migrate?.readinessProbe, undefined);
    assert.equal(migrate?.startupProbe, undefined);
  });

  void it('falls back to starting everything together below Kubernetes 1.29, and says so', () => {
    const result = convertApp({ ...wikiInput(), kubernetesVersion: { major: 1, minor: 28 } });
    assert.deepEqual(
      deployment(result).spec?.template.spec?.containers.map((c) => c.name),
      ['wiki', 'db'],
    );
    assert.ok(
      result.warnings.some((warning) => warning.includes('depends_on ordering is not honoured')),
      result.warnings.join('\n'),
    );
    const current = convertApp({ ...wikiInput(), kubernetesVersion: { major: 1, minor: 29 } });
    assert.deepEqual(
      deployment(current).spec?.template.spec?.containers.map((c) => c.name),
      ['wiki'],
    );
  });
});
