// What the controller accepts of a migration, and the cluster rule it enforces on every other
// request once an app runs somewhere: pure checks, before anything enters history.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppTarget } from '../../../api/app-target';
import { destinationTarget } from '../../../api/migration-target';
import type { AppMigrateRequest, OperationRequest } from '../../../api/operation';
import type { Cluster } from '../../../kom/model/resources';
import { effectiveTarget, validateRequest } from '../../../workflows/request-validation';
import { localAppTarget } from '../../helpers/app-target';

const source: AppTarget = localAppTarget({ app: 'wiki' });
const east = {
  id: '/ws/test/prv/local/cls/east',
  name: 'east',
  existing: true,
  settings: { LOCAL_REGION: 'local-2' },
};
const eastModel = { id: east.id, name: east.name, providerId: '/ws/test/prv/local' } as Cluster;

const migrate = (over: Partial<AppMigrateRequest>): AppMigrateRequest => ({
  kind: 'app.migrate',
  requestId: 'r1',
  requester: { via: 'test' },
  appKey: source.appKey,
  to: { zone: 'local-1b' },
  from: 'live',
  ...over,
});

const check = (request: OperationRequest, deployed: AppTarget | null = source) =>
  validateRequest(source.appKey, request, {}, deployed ?? undefined, deployed ?? undefined);

void describe('migration requests', () => {
  void it('need a deployed app and a destination', () => {
    assert.throws(() => check(migrate({}), null), /is not deployed: there is nothing to migrate/);
    assert.throws(() => check(migrate({ to: {} })), /needs a destination: --zone, --region or --cluster/);
    assert.throws(
      () => check(migrate({ from: 'yesterday' as 'live' })),
      /--from must be live or latest-snapshot/,
    );
    assert.throws(() => check(migrate({ keepSourceSeconds: -1 })), /--keep-source/);
    check(migrate({}));
  });

  void it('refuse the cluster the app runs on, or one of another provider', () => {
    const here = { target: source.cluster, model: { ...eastModel, id: source.cluster.id } as Cluster };
    assert.throws(() => check(migrate({ to: { cluster: here } })), /already runs on cluster dev/);
    const elsewhere = { target: east, model: { ...eastModel, providerId: '/ws/test/prv/aws' } as Cluster };
    assert.throws(
      () => check(migrate({ to: { cluster: elsewhere } })),
      /belongs to provider \/ws\/test\/prv\/aws/,
    );
    check(migrate({ to: { cluster: { target: east, model: eastModel } } }));
  });

  void it('start from where the app runs, not from the project the request came from', () => {
    const settings = { ...source.provider.settings, LOCAL_LATENCY_MS: 'createDisk=10' };
    const fromProject = { ...source, cluster: east, provider: { ...source.provider, settings } };
    const used = effectiveTarget(migrate({ target: fromProject }), source);
    assert.deepEqual(used?.cluster, source.cluster, 'the move starts where the app runs');
    assert.deepEqual(used?.provider.settings, settings, 'with the provider settings the project sends');
  });

  void it('run on the destination cluster with the same app key and disks', () => {
    const dest = destinationTarget(source, { cluster: { target: east, model: eastModel } });
    assert.equal(dest.appKey, source.appKey);
    assert.equal(dest.appId, '/ws/test/prv/local/cls/east/app/wiki');
    assert.deepEqual(dest.cluster, east);
    assert.deepEqual(dest.volumes, source.volumes);
    assert.equal(destinationTarget(source, { zone: 'local-1b' }), source);
  });

  void it('refuse other requests from a project that names another cluster than the one the app runs on', () => {
    const destroy: OperationRequest = {
      kind: 'app.destroy',
      requestId: 'r2',
      requester: { via: 'test' },
      appKey: source.appKey,
      target: { ...source, cluster: east },
    };
    assert.throws(
      () => check(destroy),
      /runs on cluster dev .* but this request is for cluster east: .*app migrate --cluster east/,
    );
    check({ ...destroy, target: source });
  });
});
