// Nodes really fail: a NotReady or silent (unreachable) node gets tainted by the node lifecycle
// controller, its pod is evicted after the pod's toleration and replaced on a healthy node of the
// same zone; recovering the node makes it Ready and untainted again. Uses the first two zones only
// (see quietZone), failing one of each zone's two nodes so no zone enters PartialDisruption.
import { V1Pod } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { applyObject } from '../../../kube/apply';
import { listAppPods } from '../../../kube/app-pods';
import { DEFAULT_LAYOUT, failNode, NodeFailureMode, recoverNode } from '../../../dev/cluster';
import { forceDeletePod } from '../../../kube/force-delete';
import { readNodeHealth } from '../../../kube/node-conditions';
import { pollUntil } from '../../../kube/poll';
import { waitForRollout } from '../../../kube/rollout';
import { testCluster, TestCluster } from '../../helpers/kube-cluster';
import { appDeployment, evictAfter, tempNamespace } from './fixtures';

let c: TestCluster;
let zones: string[];
before(async () => {
  c = await testCluster();
  zones = c.info?.zones ?? DEFAULT_LAYOUT.zones;
});

const TAINT: Record<NodeFailureMode, string> = {
  notready: 'node.kubernetes.io/not-ready',
  unreachable: 'node.kubernetes.io/unreachable',
};

const running = (p: V1Pod): boolean => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp;

async function failAndFailover(
  mode: NodeFailureMode,
  zone: string,
  t: { after: (fn: () => Promise<void>) => void; diagnostic: (m: string) => void },
) {
  const ns = await tempNamespace(c.kc, mode);
  t.after(ns.remove);
  await applyObject(
    c.kc,
    appDeployment({ namespace: ns.name, name: 'app', zones: [zone], tolerations: evictAfter(2) }),
  );
  await waitForRollout(c.kc, { namespace: ns.name, name: 'app', timeoutMs: 60_000 });
  const [first] = await listAppPods(c.kc, ns.name, { app: 'app' });
  const node = first?.spec?.nodeName;
  assert.ok(first && node);
  t.after(async () => {
    await recoverNode(c.kc, node, { waitMs: 60_000 });
  });

  const t0 = Date.now();
  const failed = await failNode(c.kc, node, mode, { waitMs: 60_000 });
  assert.equal(failed.health?.ready, mode === 'notready' ? 'False' : 'Unknown');
  assert.equal(failed.warning, undefined);
  const tainted = await pollUntil(
    `${TAINT[mode]}:NoExecute on ${node}`,
    async () => {
      const h = await readNodeHealth(c.kc, node);
      return h.taints.some((x) => x.key === TAINT[mode] && x.effect === 'NoExecute') ? h : undefined;
    },
    { timeoutMs: 30_000 },
  );
  assert.ok(tainted);
  const replacement = await pollUntil(
    'a Running replacement pod on another node',
    async () =>
      (await listAppPods(c.kc, ns.name, { app: 'app' })).find((p) => running(p) && p.spec?.nodeName !== node),
    { timeoutMs: 90_000 },
  );
  t.diagnostic(
    `${mode}: replacement Running ${((Date.now() - t0) / 1000).toFixed(1)}s after failing ${node}`,
  );
  const newNode = await readNodeHealth(c.kc, replacement.spec?.nodeName ?? '');
  assert.equal(newNode.labels['topology.kubernetes.io/zone'], zone);
  assert.equal(newNode.ready, 'True');
  return { ns: ns.name, node, first };
}

async function assertRecovers(node: string, mode: NodeFailureMode): Promise<void> {
  const { health } = await recoverNode(c.kc, node, { waitMs: 60_000 });
  assert.equal(health?.ready, 'True');
  await pollUntil(
    `${TAINT[mode]} taint to leave ${node}`,
    async () =>
      (await readNodeHealth(c.kc, node)).taints.some((x) => x.key === TAINT[mode]) ? undefined : true,
    { timeoutMs: 30_000 },
  );
}

void test('notready: the pod is evicted to a healthy node of its zone, and the node recovers', async (t) => {
  const { node, ns, first } = await failAndFailover('notready', zones[0]!, t);
  // kwok still runs this node's "kubelet", which confirms the evicted pod's deletion.
  await pollUntil(
    'the evicted pod to be gone',
    async () =>
      (await listAppPods(c.kc, ns, { app: 'app' })).some((p) => p.metadata?.uid === first.metadata?.uid)
        ? undefined
        : true,
    { timeoutMs: 30_000 },
  );
  await assertRecovers(node, 'notready');
});

void test('unreachable: Ready=Unknown, the old pod stays Terminating until force-deleted, and the node recovers', async (t) => {
  const { node, ns, first } = await failAndFailover('unreachable', zones[1]!, t);
  // No kubelet confirms the deletion: the old pod hangs in Terminating, as on a dead VM.
  const old = (await listAppPods(c.kc, ns, { app: 'app' })).find(
    (p) => p.metadata?.uid === first.metadata?.uid,
  );
  assert.ok(old?.metadata?.deletionTimestamp, 'old pod should be Terminating');
  assert.equal(await forceDeletePod(c.kc, ns, old.metadata.name ?? ''), true);
  assert.equal(await forceDeletePod(c.kc, ns, old.metadata.name ?? ''), false);
  await assertRecovers(node, 'unreachable');
});
