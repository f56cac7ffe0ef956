// The worker configuration file: what it accepts, and errors that name the file and the key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkerConfigError, describeAccess, parseWorkerConfig } from '../../../workers/worker-config';

const parse = (doc: unknown) => parseWorkerConfig(doc, '/etc/kompox/worker.yml');

describe('worker config', () => {
  it('reads kubeconfig, in-cluster and dev routes and local roots, relative paths from the file', () => {
    const access = parse({
      clusters: {
        '/ws/a/prv/p/cls/prod': { kubeconfig: 'prod.kubeconfig', context: 'prod' },
        '/ws/a/prv/p/cls/edge': { inCluster: true },
        '*': { dev: true },
      },
      providers: { '/ws/a/prv/local': { localRoots: ['/srv/disks', 'rel'] }, '*': { localRoots: ['*'] } },
    });
    assert.deepEqual(access.clusters['/ws/a/prv/p/cls/prod'], {
      kind: 'kubeconfig',
      path: '/etc/kompox/prod.kubeconfig',
      context: 'prod',
    });
    assert.deepEqual(access.clusters['/ws/a/prv/p/cls/edge'], { kind: 'inCluster' });
    assert.deepEqual(access.clusters['*'], { kind: 'dev' });
    assert.deepEqual(access.localRoots['/ws/a/prv/local'], ['/srv/disks', '/etc/kompox/rel']);
    assert.ok(describeAccess(access).includes('every other Cluster → the dev cluster'));
  });

  for (const [name, doc, message] of [
    ['an unknown key', { clusterz: {} }, /clusterz: unknown key/],
    ['two routes for one cluster', { clusters: { x: { dev: true, inCluster: true } } }, /exactly one of/],
    ['no route', { clusters: { x: {} } }, /exactly one of kubeconfig, inCluster, dev \(found none\)/],
    [
      'an empty kubeconfig',
      { clusters: { x: { kubeconfig: '' } } },
      /clusters\["x"\]\.kubeconfig: expected a path/,
    ],
    ['dev: false', { clusters: { x: { dev: false } } }, /clusters\["x"\]\.dev: expected true/],
    [
      'roots that are not a list',
      { providers: { p: { localRoots: '/srv' } } },
      /providers\["p"\]\.localRoots/,
    ],
    ['a list at the top', [], /expected a mapping/],
  ] as const) {
    it(`refuses ${name}, naming the file`, () => {
      assert.throws(
        () => parse(doc),
        (err: unknown) =>
          err instanceof WorkerConfigError &&
          err.message.startsWith('worker config /etc/kompox/worker.yml: ') &&
          message.test(err.message),
      );
    });
  }
});
