// `kompoxops app deploy` of compose as people write it, on the real Temporal dev server, worker
// and control plane (kwok nodes): a single-file bind arrives as a read-only ConfigMap file, a
// directory bind's files are copied onto the disk by an init container, 53 is published on
// both TCP and UDP, and the service waited for (service_healthy) runs as a native sidecar.
// kwok runs no containers, so the start order itself is checked in the unit tests of the
// rendered pod, not here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppStatus } from '../../../cli/commands/app';
import type { OperationRecord } from '../../../api/operation';
import { composeProject, kompoxopsJson } from '../../helpers/deploy-project';
import { deploySuite } from '../../helpers/deploy-suite';
import { appObjects } from '../../helpers/kube-app';

void describe('app deploy: compose compatibility', () => {
  const suite = deploySuite();
  const project = suite.track(composeProject('compat'));

  void it('deploys, and the cluster holds what the compose file meant', async () => {
    const op = await kompoxopsJson<OperationRecord>(
      suite.stack,
      project.dir,
      'app',
      'deploy',
      '--bootstrap-disks',
    );
    assert.equal(op.phase, 'Completed', JSON.stringify(op.failure));
    const status = await kompoxopsJson<AppStatus>(suite.stack, project.dir, 'app', 'status');
    assert.equal(status.ready, true, JSON.stringify(status));
    const objs = await appObjects(suite.kc, status.namespace ?? '', project.appName);

    // 53 on both protocols, next to 8080.
    const service = objs.services.find((s) => s.metadata?.name === 'compat-app');
    assert.deepEqual(
      service?.spec?.ports?.map((p) => `${p.port}/${p.protocol}`),
      ['53/TCP', '53/UDP', '8080/TCP'],
    );

    // The single-file bind: a ConfigMap with the file, mounted read-only at the target.
    const conf = objs.configMaps.find((c) => c.metadata?.name === 'compat-app--cfg-bind-nginx-conf');
    assert.match(conf?.data?.['nginx.conf'] ?? '', /location \/healthz/);
    const pod = objs.pods.find((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
    assert.ok(pod, `no running pod: ${objs.pods.map((p) => p.metadata?.name).join(', ')}`);
    const frontEnd = pod.spec?.containers.find((c) => c.name === 'front-end');
    const confMount = frontEnd?.volumeMounts?.find((m) => m.mountPath === '/etc/nginx/conf.d/default.conf');
    assert.deepEqual(
      // The client returns class instances; compare the fields.
      { ...confMount },
      {
        name: 'cfg-bind-nginx-conf',
        mountPath: '/etc/nginx/conf.d/default.conf',
        subPath: 'nginx.conf',
        readOnly: true,
      },
    );

    // The directory bind: its files travel in a ConfigMap to an init container that copies them.
    const seed = objs.configMaps.find((c) => c.metadata?.name?.startsWith('compat-app--seed-'));
    assert.deepEqual(Object.values(seed?.data ?? {}).sort(), ['<h1>compose</h1>\n', 'h1 { color: teal; }\n']);

    // db runs as a native sidecar, after the sub-directory and seed init containers.
    const init = pod.spec?.initContainers ?? [];
    assert.deepEqual(
      init.map((c) => [c.name.replace(/^seed-.*/, 'seed'), c.restartPolicy ?? 'once']),
      [
        ['init-volume-subpaths', 'once'],
        ['seed', 'once'],
        ['db', 'Always'],
      ],
    );
    assert.ok(init.find((c) => c.name === 'db')?.startupProbe, 'db gates front-end with its healthcheck');
  });
});
