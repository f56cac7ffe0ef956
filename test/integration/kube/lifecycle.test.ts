// The cluster lifecycle itself, on a cluster of its own (one zone, four nodes) so stopping it does not
// disturb the shared one: a second start is a no-op, and stop leaves no process and no open port.
// The lone zone also shows the zone-disruption warnings of failNode.
import { CoreV1Api } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { clusterStatus, COMPONENTS, failNode, startCluster, stopCluster } from '../../../dev/cluster';
import { portOwners } from '../../../dev/cluster/port-owners';
import { isRunning } from '../../../dev/cluster/process';
import { loadKubeConfig } from '../../../kube/kubeconfig';

void test('start twice is a no-op; status reports it; stop leaves no process and no listening port', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kompox-k8s-lifecycle-'));
  t.after(async () => {
    await stopCluster(dir).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  const opts = { dir, region: 'solo-1', zones: ['solo-1a'], nodesPerZone: 4, build: true };

  const t0 = Date.now();
  const first = await startCluster(opts);
  t.diagnostic(`cluster start: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  const t1 = Date.now();
  const second = await startCluster(opts);
  t.diagnostic(`second start (no-op): ${Date.now() - t1}ms`);
  assert.deepEqual(second.pids, first.pids);
  assert.deepEqual(second.ports, first.ports);

  const status = await clusterStatus(dir);
  assert.equal(status.state, 'running');
  assert.ok(status.components.every((s) => s.alive));
  const rss = status.components.reduce((sum, s) => sum + (s.rssBytes ?? 0), 0);
  t.diagnostic(
    `RSS: ${status.components.map((s) => `${s.component} ${Math.round((s.rssBytes ?? 0) / 2 ** 20)} MiB`).join(', ')}; total ${Math.round(rss / 2 ** 20)} MiB`,
  );

  const kc = loadKubeConfig({ path: first.kubeconfigPath });
  const nodes = await kc.makeApiClient(CoreV1Api).listNode();
  assert.deepEqual(
    nodes.items.map((n) => [
      n.metadata?.name,
      n.metadata?.labels?.['topology.kubernetes.io/zone'],
      n.metadata?.labels?.['kompox.dev/node-zone'],
    ]),
    [1, 2, 3, 4].map((i) => [`kwok-solo-1a-${i}`, 'solo-1a', 'solo-1a']),
  );

  // Zone traps: a third failing node of four puts the zone in PartialDisruption; the fourth fails everything.
  assert.equal((await failNode(kc, 'kwok-solo-1a-1', 'notready')).warning, undefined);
  assert.equal((await failNode(kc, 'kwok-solo-1a-2', 'unreachable')).warning, undefined);
  assert.match(
    (await failNode(kc, 'kwok-solo-1a-3', 'notready')).warning ?? '',
    /3 of 4 nodes in zone solo-1a.*PartialDisruption/,
  );
  assert.match((await failNode(kc, 'kwok-solo-1a-4', 'notready')).warning ?? '', /every node is failing/);

  const stopped = await stopCluster(dir);
  assert.deepEqual(
    stopped.stopped.map((s) => s.component),
    [...COMPONENTS].reverse(),
  );
  // This test started the cluster, so its processes are this process's children: one that has exited
  // stays a zombie until Node reaps it, and a zombie runs nothing.
  for (const c of COMPONENTS)
    assert.equal(isRunning(first.pids[c]), false, `${c} (pid ${first.pids[c]}) still alive`);
  // A port may be bound again by a test running beside this one, never by this cluster.
  for (const port of Object.values(first.ports))
    assert.deepEqual(
      portOwners(port)?.filter((o) => o.command.includes(dir)),
      [],
      `port ${port} still held by the cluster`,
    );
  assert.equal((await clusterStatus(dir)).state, 'stopped');
  // Stopping again is harmless.
  assert.deepEqual((await stopCluster(dir)).stopped, []);
});
