// Moves that leave the region or the cluster, on the real control planes: the dev cluster has
// kwok nodes in local-1a, local-1b and local-2a; a second dev cluster `east` has nodes in
// local-2a and local-2b. A move to region local-2 copies each snapshot there (with the copy's
// latency) and lands the app in local-2a with the same bytes; a move to cluster east deploys
// it there, removes it from the dev cluster, and from then on the controller refuses requests
// from a project that still names the dev cluster.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AppsV1Api } from '@kubernetes/client-node';
import type { AppStatus } from '../../../cli/commands/app';
import type { DiskView } from '../../../api/messages';
import type { OperationRecord } from '../../../api/operation';
import { clusterProject } from '../../helpers/deploy-project';
import { migrationSuite } from '../../helpers/migration-suite';
import { eventually, kubeConfigOf } from '../../helpers/kube-app';
import { setProviderSettings, treeChecksums, writeTree } from '../../helpers/snapshots';

void describe('app migrate across regions and clusters', () => {
  const project = clusterProject(`migx${process.pid}`, 'dev', 'local-1a');
  // A second Cluster of the same Provider, in region local-2.
  appendFileSync(
    join(project.dir, '.kompox', 'kom', 'infra.yml'),
    [
      '---',
      'apiVersion: ops.kompox.dev/v1alpha1',
      'kind: Cluster',
      'metadata: { name: east, annotations: { ops.kompox.dev/id: /ws/demo/prv/local/cls/east } }',
      'spec:',
      '  existing: true',
      '  settings: { LOCAL_REGION: local-2 }',
      '---',
      // A Cluster this worker does not reach: its kubeconfig is none the worker was given.
      'apiVersion: ops.kompox.dev/v1alpha1',
      'kind: Cluster',
      'metadata: { name: west, annotations: { ops.kompox.dev/id: /ws/demo/prv/local/cls/west } }',
      'spec:',
      '  existing: true',
      '  settings: { KUBECONFIG: /etc/kompox/west.kubeconfig }',
      '',
    ].join('\n'),
  );
  setProviderSettings(project, { LOCAL_LATENCY_MS: 'copySnapshot=2000' });

  const suite = migrationSuite(project, {
    zones: ['local-1a', 'local-1b', 'local-2a'],
    extraClusters: [{ name: 'east', zones: ['local-2a', 'local-2b'] }],
  });
  const { cli, json } = suite;
  const assigned = async (): Promise<DiskView> => {
    const disks = (await json<DiskView[]>('disk', 'list')).filter((d) => d.assigned);
    assert.equal(disks.length, 1, JSON.stringify(disks));
    return disks[0]!;
  };
  const deploymentIn = async (kubeconfig: string): Promise<boolean> => {
    const apps = kubeConfigOf(kubeconfig).makeApiClient(AppsV1Api);
    const list = await apps.listDeploymentForAllNamespaces({
      labelSelector: `app.kubernetes.io/name=${project.appName}`,
    });
    return list.items.length > 0;
  };

  void it('refuses a cluster the worker is not configured for, and changes nothing', async () => {
    const before = await json<DiskView[]>('disk', 'list');
    const refused = await cli('app', 'migrate', '--cluster', 'west');
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, /NotConfigured: cluster \/ws\/demo\/prv\/local\/cls\/west names kubeconfig/);
    assert.deepEqual(await json<DiskView[]>('disk', 'list'), before);
    assert.deepEqual(await json<unknown[]>('snapshot', 'list'), []);
  });

  void it('moves to another region, copying the snapshot there first', async () => {
    const source = await assigned();
    writeTree(source.handle, { 'data.bin': randomBytes(100_000), 'note.txt': 'before the region move\n' });
    const expected = treeChecksums(source.handle);

    const moved = await json<OperationRecord>('app', 'migrate', '--region', 'local-2');
    assert.equal(moved.phase, 'Completed', JSON.stringify(moved.failure));
    const copy = moved.steps.find((s) => s.name.startsWith('copy data snapshot'));
    assert.ok(copy && copy.phase === 'Completed', moved.steps.map((s) => s.name).join(', '));
    // The copy's injected latency is part of the move.
    assert.ok(Date.parse(copy.endedAt!) - Date.parse(copy.startedAt) >= 2000, JSON.stringify(copy));
    assert.equal(moved.figures?.snapshotsCopied, 1);
    assert.equal(moved.figures?.rpoSeconds, 0);
    // The app is down from the stop to Ready there, the copy included.
    assert.ok(Number(moved.figures?.rtoSeconds) >= 2, `rtoSeconds ${moved.figures?.rtoSeconds}`);
    assert.match(String(moved.figures?.to), /^dev\/local-2\/local-2a$/);

    const now = await assigned();
    assert.equal(now.zone, 'local-2a');
    assert.deepEqual(treeChecksums(now.handle), expected, 'the moved disk differs from the source');
    const status = await eventually('the app Ready in local-2a', async () => {
      const s = await json<AppStatus>('app', 'status');
      return s.ready && s.zone === 'local-2a' ? s : undefined;
    });
    assert.deepEqual(status.kept.map((k) => [k.kind, k.region]).sort(), [
      ['disk', 'local-1'],
      ['snapshot', 'local-2'],
    ]);
  });

  void it('moves to another cluster and leaves the first one', async () => {
    const source = await assigned();
    writeTree(source.handle, { 'cluster.txt': 'before the cluster move\n' });
    const expected = treeChecksums(source.handle);
    assert.equal(await deploymentIn(suite.stack.kubeconfig!), true);

    const moved = await json<OperationRecord>('app', 'migrate', '--cluster', 'east', '--zone', 'local-2b');
    assert.equal(moved.phase, 'Completed', JSON.stringify(moved.failure));
    assert.ok(
      moved.steps.some((s) => s.name === 'remove the app from cluster dev' && s.phase === 'Completed'),
    );
    assert.match(String(moved.figures?.to), /^east\/local-2\/local-2b$/);
    assert.equal(moved.figures?.rpoSeconds, 0);
    assert.ok(Number(moved.figures?.rtoSeconds) > 0, `rtoSeconds ${moved.figures?.rtoSeconds}`);

    const now = await assigned();
    assert.equal(now.zone, 'local-2b');
    assert.deepEqual(treeChecksums(now.handle), expected);
    assert.equal(
      await deploymentIn(suite.stack.extraKubeconfigs.east!),
      true,
      'no Deployment in cluster east',
    );
    assert.equal(await deploymentIn(suite.stack.kubeconfig!), false, 'the app is still in the dev cluster');

    // Status follows the app to east, though the KOM still names dev.
    const status = await eventually('the app Ready in east', async () => {
      const s = await json<AppStatus>('app', 'status');
      return s.ready && s.zone === 'local-2b' ? s : undefined;
    });
    assert.equal(status.placement?.cluster, 'east');

    // A deploy from the project that still names dev is refused, and changes nothing.
    const refused = await cli('app', 'deploy');
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /runs on cluster east .* but this request is for cluster dev: .*app migrate --cluster dev/,
    );
    assert.equal(await deploymentIn(suite.stack.kubeconfig!), false);
  });
});
