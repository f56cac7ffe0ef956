// `consistency: stop` on the real control plane: the snapshot is taken while the app is scaled
// to 0 (its pod gone), and the app comes back to 1 replica and Ready afterwards, also when the
// provider refuses every snapshot (the operation then fails with SnapshotFailed).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { AppStatus } from '../../../cli/commands/app';
import type { SnapshotView } from '../../../activities/snapshot-view';
import type { OperationRecord } from '../../../api/operation';
import { kompoxops, kompoxopsJson, wikiProject } from '../../helpers/deploy-project';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import { eventually, kubeConfigOf } from '../../helpers/kube-app';
import { setProviderSettings, setWikiSnapshots } from '../../helpers/snapshots';

interface Sample {
  /** When the reads began and when both had answered. */
  from: number;
  at: number;
  replicas: number | undefined;
  pods: number;
}

/** Samples the Deployment's spec.replicas and the app's live pods every 100 ms until stopped. */
function sampleDeployment(kc: KubeConfig, namespace: string, name: string) {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const samples: Sample[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const from = Date.now();
      const [dep, pods] = await Promise.all([
        apps.readNamespacedDeployment({ namespace, name }),
        core.listNamespacedPod({ namespace }),
      ]);
      samples.push({
        from,
        at: Date.now(),
        replicas: dep.spec?.replicas,
        pods: pods.items.filter((p) => !p.metadata?.deletionTimestamp).length,
      });
      await sleep(100);
    }
  })();
  return {
    async stop(): Promise<Sample[]> {
      running = false;
      await done;
      return samples;
    },
  };
}

const stepNames = (op: OperationRecord) => op.steps.map((s) => `${s.name}:${s.phase}`);
const stepTime = (op: OperationRecord, name: string, end = false): number => {
  const s = op.steps.find((x) => x.name === name);
  assert.ok(s, `no step "${name}": ${stepNames(op).join(', ')}`);
  return Date.parse(end ? (s.endedAt ?? '') : s.startedAt);
};

void describe('stop-consistent snapshots', () => {
  let stack: TestStack;
  let kc: KubeConfig;
  const project = wikiProject(`stop${process.pid}`);
  setWikiSnapshots(project, ['consistency: stop']);

  before(async () => {
    stack = await startTestStack({ cluster: true });
    kc = kubeConfigOf(stack.kubeconfig);
  });
  after(async () => {
    await stack?.stop();
    rmSync(project.dir, { recursive: true, force: true });
  });

  const json = <T>(...args: string[]) => kompoxopsJson<T>(stack, project.dir, ...args);

  /** Replicas 1, one Ready pod: the app is back. */
  async function assertBack(s0: AppStatus): Promise<void> {
    const apps = kc.makeApiClient(AppsV1Api);
    const dep = await eventually('the Deployment back at 1 replica and Ready', async () => {
      const d = await apps.readNamespacedDeployment({ namespace: s0.namespace, name: s0.deployment });
      return d.spec?.replicas === 1 && d.status?.readyReplicas === 1 && d.status.replicas === 1
        ? d
        : undefined;
    });
    assert.equal(dep.spec?.replicas, 1);
    const s = await eventually('app status Ready', async () => {
      const st = await json<AppStatus>('app', 'status');
      return st.ready ? st : undefined;
    });
    assert.ok(s.pod, 'no pod');
    assert.equal(s.zone, s0.zone);
  }

  /** The app was at 0 replicas with no pod for the whole snapshot step, and at 1 before and after. */
  function assertStoppedDuring(op: OperationRecord, samples: Sample[]): void {
    const names = op.steps.map((s) => s.name);
    const down = names.indexOf('scale down');
    const up = names.indexOf('scale up');
    const snaps = names.flatMap((n, i) => (n.startsWith('snapshot ') ? [i] : []));
    assert.ok(down >= 0 && up > down && snaps.length === 2, `steps: ${stepNames(op).join(', ')}`);
    assert.ok(
      snaps.every((i) => i > down && i < up),
      `snapshot steps outside the scale-down: ${stepNames(op).join(', ')}`,
    );
    assert.equal(op.steps[down]?.phase, 'Completed');
    assert.equal(op.steps[up]?.phase, 'Completed');
    // Seen from the apiserver: replicas went 1 → 0 → 1, and no pod lived while the disks were read.
    const replicas = samples.map((s) => s.replicas);
    const firstZero = replicas.indexOf(0);
    assert.ok(replicas[0] === 1 && firstZero > 0, `replicas sampled: ${replicas.join(',')}`);
    assert.ok(replicas.slice(firstZero).includes(1), `never scaled back: ${replicas.join(',')}`);
    const from = Math.min(...snaps.map((i) => stepTime(op, names[i]!)));
    const to = Math.max(...snaps.map((i) => stepTime(op, names[i]!, true)));
    const during = samples.filter((s) => s.from > from && s.at < to);
    assert.ok(during.length > 0, 'no sample fell inside the snapshot steps');
    assert.ok(
      during.every((s) => s.replicas === 0 && s.pods === 0),
      `while snapshotting: ${JSON.stringify(during)}`,
    );
  }

  void it('scales the app to 0 for the snapshot and back to 1', async () => {
    const deployed = await json<OperationRecord>('app', 'deploy', '--bootstrap-disks');
    assert.equal(deployed.phase, 'Completed', JSON.stringify(deployed.failure));
    const s0 = await json<AppStatus>('app', 'status');
    assert.ok(s0.ready, JSON.stringify(s0));

    // The provider takes 1.5 s per snapshot, so the sampler sees the app while it is stopped.
    setProviderSettings(project, { LOCAL_LATENCY_MS: 'createSnapshot=1500' });
    const sampler = sampleDeployment(kc, s0.namespace, s0.deployment);
    const op = await json<OperationRecord>('snapshot', 'create');
    await assertBack(s0);
    const samples = await sampler.stop();
    setProviderSettings(project, {});
    assert.equal(op.phase, 'Completed', JSON.stringify(op.failure));
    assert.equal(op.figures?.snapshots, 2);
    assertStoppedDuring(op, samples);
    const snaps = await json<SnapshotView[]>('snapshot', 'list');
    assert.deepEqual(snaps.map((s) => s.volumeName).sort(), ['db', 'default']);
  });

  void it('brings the app back to 1 replica and Ready when every snapshot fails (SnapshotFailed)', async () => {
    const s0 = await json<AppStatus>('app', 'status');
    assert.ok(s0.ready, JSON.stringify(s0));
    const before = await json<SnapshotView[]>('snapshot', 'list');
    setProviderSettings(project, { LOCAL_FAULTS: 'createSnapshot=1' });
    try {
      const sampler = sampleDeployment(kc, s0.namespace, s0.deployment);
      const r = await kompoxops(stack, project.dir, 'snapshot', 'create', '-o', 'json');
      await assertBack(s0);
      const samples = await sampler.stop();
      assert.equal(r.status, 1, `exit ${r.status}: ${r.stderr}`);
      const op = JSON.parse(r.stdout) as OperationRecord;
      assert.equal(op.phase, 'Failed');
      assert.equal(op.failure?.reason, 'SnapshotFailed');
      assert.match(op.failure?.message ?? '', /no snapshot was taken: .*injected fault in createSnapshot/);
      assert.ok(
        op.steps.filter((s) => s.name.startsWith('snapshot ')).every((s) => s.phase === 'Failed'),
        stepNames(op).join(', '),
      );
      assertStoppedDuring(op, samples);
      const snaps = await json<SnapshotView[]>('snapshot', 'list');
      assert.deepEqual(
        snaps.map((s) => s.name),
        before.map((s) => s.name),
        'a failed snapshot left something behind',
      );
    } finally {
      setProviderSettings(project, {});
    }
  });
});
