// Which Kubernetes cluster the worker reaches for a KOM Cluster: by Resource ID, else by the
// Cluster's name (`*/cls/NAME`, how the dev stack sends a Cluster to its extra cluster of that
// name), else `*`; a configuration listing only Resource IDs refuses every other Cluster.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import type { AppTarget } from '../../../api/app-target';
import { clusterRoute, clusterRouteByRef } from '../../../activities/worker-access';
import { parseWorkerConfig } from '../../../workers/worker-config';
import { localAppTarget } from '../../helpers/app-target';

const FILE = '/etc/kompox/worker.yml';
const EAST = { kind: 'dev', cluster: 'east' };

function onCluster(id: string, settings: Record<string, string> = {}): AppTarget {
  const base = localAppTarget({ localRoot: '/nonexistent' });
  return { ...base, cluster: { ...base.cluster, id, name: id.split('/').pop()!, settings } };
}

function refused(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.type, 'NotConfigured');
    assert.match(err.message, message);
    return true;
  });
}

void describe('cluster routing', () => {
  // What `dev up --extra-cluster east` writes.
  const dev = parseWorkerConfig({ clusters: { '*/cls/east': { dev: 'east' }, '*': { dev: true } } }, FILE);

  void it('sends a Cluster named like an extra dev cluster there, whatever its workspace, and the rest to the dev cluster', () => {
    assert.deepEqual(clusterRoute(dev, onCluster('/ws/demo/prv/local/cls/east')), EAST);
    assert.deepEqual(clusterRoute(dev, onCluster('/ws/other/prv/aws/cls/east')), EAST);
    assert.deepEqual(clusterRoute(dev, onCluster('/ws/demo/prv/local/cls/dev')), { kind: 'dev' });
    // Only the last segment is the name: an app or workspace called east is no Cluster named east.
    assert.deepEqual(clusterRoute(dev, onCluster('/ws/east/prv/local/cls/eastern')), { kind: 'dev' });
  });

  void it('prefers the Resource ID to the name, and the name to *', () => {
    const access = parseWorkerConfig(
      {
        clusters: {
          '/ws/demo/prv/local/cls/east': { kubeconfig: '/etc/kompox/east.kubeconfig' },
          '*/cls/east': { dev: 'east' },
          '*': { dev: true },
        },
      },
      FILE,
    );
    assert.deepEqual(clusterRoute(access, onCluster('/ws/demo/prv/local/cls/east')), {
      kind: 'kubeconfig',
      path: '/etc/kompox/east.kubeconfig',
    });
    assert.deepEqual(clusterRoute(access, onCluster('/ws/demo/prv/other/cls/east')), EAST);
  });

  void it('refuses, in a configuration of Resource IDs, every Cluster it does not list, one of the same name too', () => {
    const prod = parseWorkerConfig(
      { clusters: { '/ws/acme/prv/aks/cls/prod': { kubeconfig: '/etc/kompox/prod.kubeconfig' } } },
      FILE,
    );
    assert.equal(clusterRoute(prod, onCluster('/ws/acme/prv/aks/cls/prod')).kind, 'kubeconfig');
    for (const id of ['/ws/acme/prv/aks/cls/east', '/ws/other/prv/aks/cls/prod'])
      refused(
        () => clusterRoute(prod, onCluster(id)),
        new RegExp(`this worker is not configured for cluster ${id}; add it under clusters in ${FILE}`),
      );
    // Without `*`, a name route covers its name only.
    const named = parseWorkerConfig({ clusters: { '*/cls/east': { dev: 'east' } } }, FILE);
    refused(
      () => clusterRoute(named, onCluster('/ws/demo/prv/local/cls/west')),
      /not configured for cluster/,
    );
  });

  void it('checks a KUBECONFIG the KOM names against a route by name too', () => {
    refused(
      () => clusterRoute(dev, onCluster('/ws/demo/prv/local/cls/east', { KUBECONFIG: '/tmp/other' })),
      /names kubeconfig \/tmp\/other, but this worker reaches it as dev/,
    );
  });

  void it('routes a Cluster an alert names, by ID or by name, to the extra dev cluster of its name', () => {
    assert.deepEqual(clusterRouteByRef(dev, 'east'), { id: 'east', route: EAST });
    assert.deepEqual(clusterRouteByRef(dev, '/ws/demo/prv/local/cls/east'), {
      id: '/ws/demo/prv/local/cls/east',
      route: EAST,
    });
    assert.deepEqual(clusterRouteByRef(dev, 'dev').route, { kind: 'dev' });
    // A configured Resource ID of the name still wins; two are still ambiguous.
    const two = parseWorkerConfig(
      {
        clusters: {
          '/ws/a/prv/p/cls/east': { inCluster: true },
          '/ws/b/prv/p/cls/east': { inCluster: true },
          '*/cls/east': { dev: 'east' },
        },
      },
      FILE,
    );
    refused(
      () => clusterRouteByRef(two, 'east'),
      /matches \/ws\/a\/prv\/p\/cls\/east and \/ws\/b\/prv\/p\/cls\/east/,
    );
  });
});
