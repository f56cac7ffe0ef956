// The resumable watch: it picks up after its connection is cut without losing or repeating events,
// and relists when its resourceVersion has expired (410 Gone).
// Both tests watch a labelled subset, so objects the cluster creates itself stay out of the picture.
import { CoreV1Api, CoreV1Event, KubeConfig, V1ConfigMap } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { createConnection, createServer, Server, Socket } from 'node:net';
import { before, test } from 'node:test';
import { applyObject } from '../../../kube/apply';
import { pollUntil } from '../../../kube/poll';
import { startResumableWatch, WatchEventType } from '../../../kube/watch';
import { testCluster, TestCluster } from '../../helpers/kube-cluster';
import { tempNamespace } from './fixtures';

let c: TestCluster;
before(async () => {
  c = await testCluster();
});

/** A TCP relay in front of the apiserver whose connections the test can cut. TLS passes through. */
class CuttableProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: URL) {}

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = createConnection({ host: this.target.hostname, port: Number(this.target.port) });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    const addr = this.server.address();
    if (addr && typeof addr !== 'string') this.port = addr.port;
  }

  /** Stops accepting and resets every relayed connection, like a network outage. */
  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server?.close(() => resolve()));
    for (const s of this.sockets) s.resetAndDestroy();
    await closed;
  }
}

function viaProxy(kc: KubeConfig, port: number): KubeConfig {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  assert.ok(cluster && user);
  const proxied = new KubeConfig();
  proxied.loadFromOptions({
    // The serving cert is for 127.0.0.1, so verification still passes through the relay.
    clusters: [{ ...cluster, name: 'proxied', server: `https://127.0.0.1:${port}` }],
    users: [user],
    contexts: [{ name: 'proxied', cluster: 'proxied', user: user.name }],
    currentContext: 'proxied',
  });
  return proxied;
}

const configMap = (namespace: string, name: string): V1ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  // Labelled, so the namespace's own kube-root-ca.crt stays out of the watch.
  metadata: { name, namespace, labels: { watched: 'yes' } },
  data: { v: name },
});

void test('the watch resumes from its resourceVersion after the connection is dropped', async (t) => {
  const ns = await tempNamespace(c.kc, 'watch');
  t.after(ns.remove);
  const proxy = new CuttableProxy(new URL(c.kc.getCurrentCluster()!.server));
  await proxy.open();
  const kc = viaProxy(c.kc, proxy.port);
  const core = kc.makeApiClient(CoreV1Api);
  const events: string[] = [];
  const reconnects: string[] = [];
  await applyObject(c.kc, configMap(ns.name, 'before'));
  const w = startResumableWatch<V1ConfigMap>(kc, {
    path: `/api/v1/namespaces/${ns.name}/configmaps`,
    labelSelector: 'watched=yes',
    list: () => core.listNamespacedConfigMap({ namespace: ns.name, labelSelector: 'watched=yes' }),
    onEvent: (type: WatchEventType, cm) => events.push(`${type} ${cm.metadata?.name}`),
    onReconnect: (r) => reconnects.push(r.reason),
    retryDelayMs: 200,
  });
  t.after(async () => {
    w.stop();
    await w.done;
    await proxy.cut().catch(() => undefined);
  });
  const seen = (e: string) =>
    pollUntil(`watch event "${e}"`, async () => (events.includes(e) ? true : undefined), {
      timeoutMs: 20_000,
      intervalMs: 100,
      lastState: () => events.join(', '),
    });

  await seen('ADDED before');
  await applyObject(c.kc, configMap(ns.name, 'a'));
  await seen('ADDED a');

  await proxy.cut();
  // Changes made while the watch is disconnected.
  await applyObject(c.kc, configMap(ns.name, 'during'));
  await c.kc.makeApiClient(CoreV1Api).deleteNamespacedConfigMap({ name: 'a', namespace: ns.name });
  await pollUntil('the watch to notice the drop', async () => (reconnects.length > 0 ? true : undefined), {
    timeoutMs: 35_000,
    intervalMs: 100,
  });
  await proxy.open();

  await seen('ADDED during');
  await seen('DELETED a');
  await applyObject(c.kc, configMap(ns.name, 'after'));
  await seen('ADDED after');

  assert.equal(w.stats.lists, 1, 'resumed from the resourceVersion, not by relisting');
  assert.ok(w.stats.streams >= 2);
  // Nothing lost, nothing repeated.
  assert.deepEqual(
    events.filter((e) => !e.startsWith('MODIFIED')),
    ['ADDED before', 'ADDED a', 'ADDED during', 'DELETED a', 'ADDED after'],
  );
});

void test('an expired resourceVersion (410 Gone) leads to a relist that still delivers every object', async (t) => {
  const etcdPort = c.info?.ports.etcdClient;
  if (etcdPort === undefined) {
    t.skip('needs etcd access to compact history; not available with KOMPOX_TEST_KUBECONFIG');
    return;
  }
  const ns = await tempNamespace(c.kc, 'gone');
  t.after(ns.remove);
  const core = c.kc.makeApiClient(CoreV1Api);
  // Events bypass the apiserver's watch cache (it is off for them by default), so a watch on them
  // reads etcd directly and an old resourceVersion really is gone once etcd compacts its history.
  await core.createNamespacedEvent({
    namespace: ns.name,
    body: {
      metadata: { name: 'e1', labels: { watched: 'yes' } },
      involvedObject: { kind: 'Pod', name: 'p', namespace: ns.name },
      reason: 'Test',
      message: 'listed after the relist',
      type: 'Normal',
    },
  });
  await compactEtcd(etcdPort);
  const events: string[] = [];
  const reconnects: { reason: string; relist: boolean }[] = [];
  const w = startResumableWatch<CoreV1Event>(c.kc, {
    path: `/api/v1/namespaces/${ns.name}/events`,
    labelSelector: 'watched=yes',
    list: () => core.listNamespacedEvent({ namespace: ns.name, labelSelector: 'watched=yes' }),
    resourceVersion: '1',
    onEvent: (type, e) => events.push(`${type} ${e.metadata?.name}`),
    onReconnect: (r) => reconnects.push(r),
    retryDelayMs: 200,
  });
  t.after(async () => {
    w.stop();
    await w.done;
  });
  await pollUntil('ADDED e1 after the relist', async () => (events.includes('ADDED e1') ? true : undefined), {
    timeoutMs: 20_000,
    intervalMs: 100,
    lastState: () => JSON.stringify(reconnects),
  });
  assert.equal(reconnects[0]?.relist, true, JSON.stringify(reconnects));
  assert.match(reconnects[0]?.reason ?? '', /too old.*\(HTTP 410\)/);
  assert.equal(w.stats.lists, 1);
  assert.deepEqual(events, ['ADDED e1']);
});

void test('a callback that throws ends the watch and rejects done', async (t) => {
  const ns = await tempNamespace(c.kc, 'throw');
  t.after(ns.remove);
  const core = c.kc.makeApiClient(CoreV1Api);
  await applyObject(c.kc, configMap(ns.name, 'x'));
  const w = startResumableWatch<V1ConfigMap>(c.kc, {
    path: `/api/v1/namespaces/${ns.name}/configmaps`,
    labelSelector: 'watched=yes',
    list: () => core.listNamespacedConfigMap({ namespace: ns.name, labelSelector: 'watched=yes' }),
    onEvent: () => {
      throw new Error('boom');
    },
  });
  await assert.rejects(w.done, /boom/);
});

/** Compacts etcd's history up to its current revision (etcd's JSON gateway). */
async function compactEtcd(port: number): Promise<void> {
  const base = `http://127.0.0.1:${port}/v3/kv`;
  const range = await fetch(`${base}/range`, { method: 'POST', body: JSON.stringify({ key: 'AA==' }) });
  const revision = ((await range.json()) as { header: { revision: string } }).header.revision;
  const res = await fetch(`${base}/compaction`, {
    method: 'POST',
    body: JSON.stringify({ revision, physical: true }),
  });
  assert.equal(res.status, 200, await res.text());
}
