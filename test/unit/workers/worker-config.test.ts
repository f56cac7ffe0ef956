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

  it('reads which AWS credentials each Provider uses: a profile or the default chain', () => {
    const access = parse({
      providers: { '/ws/a/prv/aws': { aws: { profile: 'prod' } }, '*': { aws: {}, localRoots: ['*'] } },
    });
    assert.deepEqual(access.aws, { '/ws/a/prv/aws': { profile: 'prod' }, '*': {} });
    assert.deepEqual(access.localRoots, { '*': ['*'] });
    const words = describeAccess(access);
    assert.ok(words.includes('Provider /ws/a/prv/aws: AWS credentials from profile prod'), words.join('\n'));
    assert.ok(
      words.includes('every other Provider: AWS credentials from the default chain'),
      words.join('\n'),
    );
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
    ['an unknown provider key', { providers: { p: { azure: {} } } }, /providers\["p"\]\.azure: unknown key/],
    ['an empty provider entry', { providers: { p: {} } }, /providers\["p"\]: expected/],
    [
      'a bad AWS profile',
      { providers: { p: { aws: { profile: 'a b' } } } },
      /providers\["p"\]\.aws\.profile/,
    ],
    [
      'an unknown AWS key',
      { providers: { p: { aws: { roleArn: 'x' } } } },
      /providers\["p"\]\.aws\.roleArn: unknown key/,
    ],
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
