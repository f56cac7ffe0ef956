// The small kube/ helpers against the real apiserver: apply errors surface the apiserver's message,
// cordon and taints round-trip, and transport errors read as one line.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { applyObject } from '../../../kube/apply';
import { DEFAULT_LAYOUT, nodeName } from '../../../dev/cluster';
import { freePorts } from '../../../dev/cluster/ports';
import { cordonNode, uncordonNode } from '../../../kube/cordon';
import { KubeError } from '../../../kube/errors';
import { readNodeHealth } from '../../../kube/node-conditions';
import { taintNode, untaintNode } from '../../../kube/taint';
import { testCluster, TestCluster } from '../../helpers/kube-cluster';
import { appDeployment, quietZone, tempNamespace } from './fixtures';

let c: TestCluster;
before(async () => {
  c = await testCluster();
});

function assertOneLine(err: unknown, pattern: RegExp): true {
  assert.ok(err instanceof KubeError, `expected KubeError, got ${String(err)}`);
  assert.match(err.message, pattern);
  assert.doesNotMatch(err.message, /\n|HTTP-Code:|Headers:/);
  return true;
}

void test('server-side apply of a malformed manifest fails with the apiserver message', async (t) => {
  const ns = await tempNamespace(c.kc, 'apply');
  t.after(ns.remove);
  const broken = appDeployment({ namespace: ns.name, name: 'broken' });
  broken.spec!.template.spec!.containers = [];
  await assert.rejects(applyObject(c.kc, broken), (err) => {
    assertOneLine(
      err,
      /^apply Deployment .*\/broken: .*spec\.template\.spec\.containers: Required value.* \(HTTP 422 Invalid\)$/,
    );
    assert.equal((err as KubeError).code, 422);
    assert.equal((err as KubeError).reason, 'Invalid');
    return true;
  });
  await assert.rejects(
    applyObject(c.kc, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'bad-name-', namespace: ns.name },
    }),
    (err) => assertOneLine(err, /bad-name-.*RFC 1123/),
  );
  // Dry run validates without persisting.
  const dry = await applyObject(c.kc, appDeployment({ namespace: ns.name, name: 'dry' }), { dryRun: true });
  assert.equal(dry.metadata?.name, 'dry');
  await assert.rejects(
    c.kc.makeApiClient(CoreV1Api).readNamespacedPod({ name: 'dry', namespace: ns.name }),
    (err: unknown) => (err as { code?: number }).code === 404,
  );
});

void test('re-applying after another manager changed a field takes it back (force conflicts)', async (t) => {
  const ns = await tempNamespace(c.kc, 'force');
  t.after(ns.remove);
  const cm = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cfg', namespace: ns.name },
    data: { k: 'ours' },
  };
  await applyObject(c.kc, cm);
  await applyObject(c.kc, { ...cm, data: { k: 'theirs' } }, { fieldManager: 'someone-else' });
  const back = await applyObject(c.kc, cm);
  assert.deepEqual((back as typeof cm).data, { k: 'ours' });
});

void test('cordon/uncordon and taint/untaint round-trip on a node', async () => {
  const node = nodeName(quietZone(c.info?.zones ?? DEFAULT_LAYOUT.zones), 2);
  await cordonNode(c.kc, node);
  assert.equal((await readNodeHealth(c.kc, node)).unschedulable, true);
  await uncordonNode(c.kc, node);
  assert.equal((await readNodeHealth(c.kc, node)).unschedulable, false);

  await taintNode(c.kc, node, { key: 'kompox.dev/test', value: 'a', effect: 'NoSchedule' });
  await taintNode(c.kc, node, { key: 'kompox.dev/test', value: 'b', effect: 'NoSchedule' });
  let taints = (await readNodeHealth(c.kc, node)).taints.filter((x) => x.key === 'kompox.dev/test');
  assert.deepEqual(
    taints.map((x) => [x.value, x.effect]),
    [['b', 'NoSchedule']],
  );
  await untaintNode(c.kc, node, 'kompox.dev/test');
  await untaintNode(c.kc, node, 'kompox.dev/test');
  taints = (await readNodeHealth(c.kc, node)).taints.filter((x) => x.key === 'kompox.dev/test');
  assert.deepEqual(taints, []);
  await assert.rejects(cordonNode(c.kc, 'no-such-node'), (err) =>
    assertOneLine(err, /^cordon node no-such-node: nodes "no-such-node" not found \(HTTP 404 NotFound\)$/),
  );
});

void test('an unreachable apiserver reads as a one-line transport error', async () => {
  // A port nothing listens on (it was free a moment ago).
  const [port] = await freePorts(1);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'dead', server: `https://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'x' }],
    contexts: [{ name: 'dead', cluster: 'dead', user: 'u' }],
    currentContext: 'dead',
  });
  await assert.rejects(cordonNode(kc, 'n'), (err) => assertOneLine(err, /^cordon node n: ECONNREFUSED/));
});
