// Real nodes in the dev cluster: kubelets with containerd in network namespaces of their own join
// the control plane beside the kwok nodes, as `system:node:<name>` and nothing more; pods run from
// the local images, and exec and logs reach them through the apiserver's egress proxy. A node fails
// as a partition (kubelet gone, containers still running) or a power-off (everything gone) and comes
// back. Stopping the cluster leaves nothing on the machine: no process, namespace, mount or cgroup.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, KubeConfig, V1Pod } from '@kubernetes/client-node';
import {
  ClusterInfo,
  failRealNodeOf,
  findRealNode,
  powerOffRealNode,
  readNodeHealth,
  recoverRealNodeOf,
  REAL_NODE_POOL,
  startCluster,
  stopCluster,
  waitForNodeReady,
} from '../../../dev/cluster';
import { isRunning } from '../../../dev/cluster/process';
import { realNodePaths } from '../../../dev/cluster/real-nodes/node-config';
import { realNodePrefix } from '../../../dev/cluster/real-nodes/real-nodes';
import { cgroupPids, cgroupRootExists } from '../../../dev/cluster/real-nodes/node-cgroups';
import { mountsUnder } from '../../../dev/cluster/real-nodes/node-mounts';
import { createDriver } from '../../../drivers/registry';
import { applyObject } from '../../../kube/apply';
import { execInContainer } from '../../../kube/exec';
import { loadKubeConfig } from '../../../kube/kubeconfig';
import { pollUntil } from '../../../kube/poll';

const NS = 'default';

function busyboxPod(name: string, node: string, image = 'busybox:1.36'): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 2,
      containers: [
        {
          name: 'main',
          image,
          imagePullPolicy: 'IfNotPresent',
          // One long sleep at a time, so the pod's processes stay the same while nothing happens.
          command: [
            'sh',
            '-c',
            'echo hello from $(hostname); trap "exit 0" TERM; while true; do sleep 3600 & wait $!; done',
          ],
        },
      ],
    },
  };
}

async function podRunning(kc: KubeConfig, name: string): Promise<V1Pod> {
  const core = kc.makeApiClient(CoreV1Api);
  return pollUntil(
    `pod ${name} Running`,
    async () => {
      const p = await core.readNamespacedPod({ namespace: NS, name });
      return p.status?.phase === 'Running' ? p : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

/** Where containerd's defaults would put things outside the node's own dirs. */
const STRAYS = ['/run/containerd', '/opt/containerd', '/var/run/nri'];

const netnsList = (): string => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });

void describe('real nodes', () => {
  let dir: string;
  let info: ClusterInfo;
  let kc: KubeConfig;
  let existedBefore: string[] = [];

  before(async () => {
    existedBefore = STRAYS.filter((p) => existsSync(p));
    dir = mkdtempSync(join(tmpdir(), 'kompox-real-nodes-'));
    info = await startCluster({ dir, build: true, realNodes: 2 });
    kc = loadKubeConfig({ path: info.kubeconfigPath });
  });
  after(async () => {
    if (dir) {
      await stopCluster(dir).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  void it('join as their own node identity, spread over the zones, in the real pool', async () => {
    const real = info.realNodes?.nodes ?? [];
    assert.deepEqual(
      real.map((n) => [n.name, n.zone]),
      [
        ['real-local-1a-1', 'local-1a'],
        ['real-local-1b-1', 'local-1b'],
      ],
    );
    for (const n of real) {
      const h = await readNodeHealth(kc, n.name);
      assert.equal(h.ready, 'True');
      assert.equal(h.labels['kompox.dev/node-pool'], REAL_NODE_POOL);
      assert.equal(h.labels['topology.kubernetes.io/zone'], n.zone);
      // kwok leaves real nodes alone.
      assert.equal(h.labels['kompox.dev/kwok-managed'], undefined);
    }
    // A node's credentials reach its own Node only (the Node authorizer and NodeRestriction).
    const nodeKc = loadKubeConfig({ path: join(dir, 'nodes', 'real-local-1a-1', 'kubeconfig') });
    // The kubeconfig names 127.0.0.1 inside the node's namespace; from here, use the apiserver's URL.
    nodeKc.clusters.forEach((c) => Object.assign(c, { server: info.apiServerUrl }));
    const asNode = nodeKc.makeApiClient(CoreV1Api);
    await asNode.readNode({ name: 'real-local-1a-1' });
    await assert.rejects(
      asNode.deleteNode({ name: 'real-local-1b-1' }),
      (err: { code?: number }) => err.code === 403,
    );
    await assert.rejects(
      asNode.listNamespacedSecret({ namespace: 'kube-system' }),
      (err: { code?: number }) => err.code === 403,
    );
  });

  void it('runs a pod from the local images; exec and logs work through the apiserver', async () => {
    await applyObject(kc, busyboxPod('hello', 'real-local-1a-1'));
    const pod = await podRunning(kc, 'hello');
    assert.match(pod.status?.podIP ?? '', /^10\.244\.101\./);
    const r = await execInContainer(
      kc,
      { namespace: NS, pod: 'hello', container: 'main' },
      ['sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "; echo; id -u'],
      10_000,
    );
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^sh -c echo hello/);
    assert.match(r.stdout, /\n0\n$/);
    const logs = await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedPodLog({ namespace: NS, name: 'hello', container: 'main' });
    assert.match(logs, /hello from hello/);
    // The node keeps its pods' logs in its own directory: in the machine's /var/log/pods, another
    // cluster's kubelet removed them as the logs of pods it does not know.
    const podLogs = join(
      realNodePaths(dir, 'real-local-1a-1').podLogsDir,
      `${NS}_hello_${pod.metadata?.uid}`,
    );
    assert.ok(existsSync(podLogs), `no log directory ${podLogs}`);
  });

  void it('reports an image that exists nowhere here, rather than hanging', async () => {
    await applyObject(kc, busyboxPod('missing', 'real-local-1b-1', 'ghcr.io/acme/not-local:1'));
    const core = kc.makeApiClient(CoreV1Api);
    const reason = await pollUntil(
      'the pull failure in the container status',
      async () => {
        const p = await core.readNamespacedPod({ namespace: NS, name: 'missing' });
        const w = p.status?.containerStatuses?.[0]?.state?.waiting;
        return w && /ErrImagePull|ImagePullBackOff/.test(w.reason ?? '')
          ? `${w.reason}: ${w.message}`
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    assert.match(reason, /not-local/);
    await core.deleteNamespacedPod({ namespace: NS, name: 'missing', gracePeriodSeconds: 0 });
  });

  void it('fails as a partition: the kubelet is gone, the containers keep running, and it comes back', async () => {
    const spec = findRealNode(info, 'real-local-1a-1')!;
    const cgroup = `${realNodePrefix(dir)}-${spec.index}`;
    const before = cgroupPids(cgroup);
    assert.ok(before.length >= 2, `expected the pod's processes in ${cgroup}, found ${before.join(',')}`);
    await failRealNodeOf(info, spec, 'unreachable');
    const h = await waitForNodeReady(kc, spec.name, 'Unknown', { timeoutMs: 60_000 });
    assert.equal(h.ready, 'Unknown');
    // The containers were not touched.
    assert.deepEqual(cgroupPids(cgroup).sort(), before.sort());
    await recoverRealNodeOf(info, spec, kc, 60_000);
    assert.equal((await readNodeHealth(kc, spec.name)).ready, 'True');
    // The same container still runs: the kubelet adopted it.
    const pod = await podRunning(kc, 'hello');
    assert.equal(pod.status?.containerStatuses?.[0]?.restartCount, 0);
  });

  void it('fails as a power-off: every process of the node stops, and it boots again', async () => {
    const spec = findRealNode(info, 'real-local-1a-1')!;
    const cgroup = `${realNodePrefix(dir)}-${spec.index}`;
    await failRealNodeOf(info, spec, 'poweroff');
    assert.deepEqual(cgroupPids(cgroup), []);
    assert.equal(execFileSync('ip', ['netns', 'pids', cgroup], { encoding: 'utf8' }).trim(), '');
    assert.deepEqual(mountsUnder(join(dir, 'nodes', spec.name)), []);
    await waitForNodeReady(kc, spec.name, 'Unknown', { timeoutMs: 60_000 });
    await recoverRealNodeOf(info, spec, kc, 90_000);
    // The pod's sandbox died with the node: it runs again, in a new sandbox.
    const pod = await pollUntil(
      'pod hello running again after the power-off',
      async () => {
        const p = await kc.makeApiClient(CoreV1Api).readNamespacedPod({ namespace: NS, name: 'hello' });
        const s = p.status?.containerStatuses?.[0];
        return p.status?.phase === 'Running' && s?.ready && (s.restartCount ?? 0) >= 1 ? p : undefined;
      },
      { timeoutMs: 90_000 },
    );
    assert.ok(pod);
  });

  void it('is powered off when the local provider fences it; a kwok node is only recorded', async (t) => {
    const stateDir = mkdtempSync(join(tmpdir(), 'kompox-fence-'));
    t.after(() => rmSync(stateDir, { recursive: true, force: true }));
    const driver = await createDriver('local', {
      workspace: 'ws',
      provider: 'local',
      cluster: 'dev',
      providerSettings: { LOCAL_ROOT: stateDir },
      clusterSettings: {},
      stateDir,
      powerOffNode: (name) => powerOffRealNode(dir, name),
    });
    const spec = findRealNode(info, 'real-local-1b-1')!;
    const cgroup = `${realNodePrefix(dir)}-${spec.index}`;
    await driver.beginFenceNode({ nodeName: spec.name });
    assert.deepEqual(cgroupPids(cgroup), []);
    assert.equal(execFileSync('ip', ['netns', 'pids', cgroup], { encoding: 'utf8' }).trim(), '');
    await waitForNodeReady(kc, spec.name, 'Unknown', { timeoutMs: 60_000 });
    const fenced = (node: string) =>
      JSON.parse(readFileSync(join(stateDir, 'ws', 'local', 'fenced', `${node}.json`), 'utf8')) as {
        poweredOff: boolean;
      };
    assert.equal(fenced(spec.name).poweredOff, true);

    await driver.beginFenceNode({ nodeName: 'kwok-local-1c-1' });
    assert.equal(fenced('kwok-local-1c-1').poweredOff, false);
    assert.equal((await readNodeHealth(kc, 'kwok-local-1c-1')).ready, 'True');
    await recoverRealNodeOf(info, spec, kc, 90_000);
  });

  void it('stops without leaving anything behind', async () => {
    const prefix = realNodePrefix(dir);
    const pids = info.realNodes!.nodes.flatMap((n) => cgroupPids(`${prefix}-${n.index}`));
    assert.ok(pids.length > 0);
    await stopCluster(dir);
    assert.equal(
      netnsList()
        .split('\n')
        .filter((l) => l.startsWith(prefix)).length,
      0,
      netnsList(),
    );
    assert.deepEqual(mountsUnder(dir), []);
    for (const n of info.realNodes!.nodes)
      assert.equal(existsSync(`/run/kompox/${prefix}-${n.index}`), false);
    for (const stray of STRAYS.filter((p) => !existedBefore.includes(p)))
      assert.equal(existsSync(stray), false, `${stray} was created`);
    for (const n of info.realNodes!.nodes) assert.equal(cgroupRootExists(`${prefix}-${n.index}`), false);
    for (const pid of pids) assert.equal(isRunning(pid), false, `pid ${pid} still runs`);
    const runDir = join(dir, 'run');
    const left = existsSync(runDir) ? readdirSync(runDir).filter((f) => f.endsWith('.pid')) : [];
    assert.deepEqual(left, []);
  });
});
