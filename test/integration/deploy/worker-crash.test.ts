// A worker killed with SIGKILL in the middle of a deploy step and started again finishes the
// deploy exactly once. Each step is held open on the real cluster while the worker dies:
//   render and apply       an admission webhook holds the Secret applies (half the render is in)
//   wait for rollout       the zone's nodes are cordoned, so the new pod stays Pending
//   prune previous render  an admission webhook holds the delete of the old PVC
// Afterwards: one Completed operation per deploy, one Deployment, one ReplicaSet revision per
// intended change, one PV/PVC pair per volume, and the killed activity really ran twice.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import type { AppStatus } from '../../../cli/commands/app';
import { cordonNode, uncordonNode } from '../../../kube/cordon';
import { devClusterDir, restartWorker } from '../../../dev/dev-stack';
import { appControllerWorkflowId } from '../../../api/ids';
import { controllerViewQuery } from '../../../api/messages';
import { type OperationRecord, isFinal } from '../../../api/operation';
import type { DiskView } from '../../../api/messages';
import { type AdmissionDelay, startAdmissionDelay } from '../../helpers/admission-delay';
import { kompoxops, kompoxopsJson, setWikiLogLevel, wikiProject } from '../../helpers/deploy-project';
import { deploySuite } from '../../helpers/deploy-suite';
import { appObjects, eventually } from '../../helpers/kube-app';
import { killWorker } from '../../helpers/worker-kill';
import { activityAttempts } from '../../helpers/snapshots';
import { readOperation } from '../../../client/live-steps';

void describe('deploy durability: worker killed mid-step, steps slower than the heartbeat timeout', () => {
  const suite = deploySuite();
  const p = suite.track(wikiProject('crashy'));
  let namespace = '';
  let deploys = 0;

  const controller = () => suite.stack.client.workflow.getHandle(appControllerWorkflowId(p.appKey));
  const operation = async (id: string): Promise<OperationRecord> => {
    const rec = await readOperation(suite.stack.client, p.appKey, id);
    assert.ok(rec, `no operation ${id}`);
    return rec;
  };

  /** Starts a deploy without waiting; returns its operation id. */
  async function startDeploy(...flags: string[]): Promise<string> {
    const accepted = await kompoxopsJson<OperationRecord>(
      suite.stack,
      p.dir,
      'app',
      'deploy',
      '--no-wait',
      ...flags,
    );
    deploys++;
    return accepted.id;
  }

  async function waitForStep(id: string, step: string): Promise<void> {
    await eventually(`step "${step}" of ${id} to start`, async () => {
      const rec = await operation(id);
      assert.ok(!isFinal(rec.phase), `operation ended before "${step}": ${JSON.stringify(rec.failure)}`);
      return rec.steps.some((s) => s.name === step && s.phase === 'InProgress') ? true : undefined;
    });
  }

  async function finish(id: string): Promise<OperationRecord> {
    return eventually(
      `operation ${id} to end`,
      async () => {
        const rec = await operation(id);
        return isFinal(rec.phase) ? rec : undefined;
      },
      300_000,
    );
  }

  /** Exactly-once checks on the cluster and in the controller after `deploys` deploys. */
  async function assertSettled(rec: OperationRecord, killedActivity: string, revisions: number) {
    assert.equal(rec.phase, 'Completed', JSON.stringify(rec.failure));
    const attempts = await activityAttempts(suite.stack.client, rec.workflowId!);
    assert.ok(
      Math.max(0, ...(attempts[killedActivity] ?? [])) >= 2,
      `${killedActivity} was not retried: ${JSON.stringify(attempts)}`,
    );
    // Every step ran to completion once in the record (a retried activity is one step).
    const names = rec.steps.map((s) => s.name);
    assert.deepEqual(
      names.filter((n, i) => names.indexOf(n) !== i),
      [],
      `steps recorded twice: ${names.join(', ')}`,
    );
    assert.ok(rec.steps.every((s) => s.phase === 'Completed'));

    const view = await controller().query(controllerViewQuery);
    const ops = view.recentOperations.filter((o) => o.kind === 'app.deploy');
    assert.equal(ops.length, deploys, `deploy operations: ${ops.map((o) => o.id).join(', ')}`);
    assert.ok(ops.every((o) => o.phase === 'Completed'));
    assert.equal(view.queued.length, 0);
    assert.equal(view.currentOperation, undefined);

    const objs = await eventually('the old pods to be gone', async () => {
      const o = await appObjects(suite.kc, namespace, p.appName);
      return o.pods.length === 1 ? o : undefined;
    });
    assert.equal(objs.deployments.length, 1);
    const dep = objs.deployments[0]!;
    assert.equal(dep.metadata?.annotations?.['deployment.kubernetes.io/revision'], String(revisions));
    assert.equal(objs.replicaSets.length, revisions, 'one ReplicaSet per intended change');
    assert.equal(objs.pods[0]?.status?.phase, 'Running');
    for (const volume of ['default', 'db']) {
      const pvcs = objs.pvcs.filter((c) => c.metadata?.labels?.['kompox.dev/volume'] === volume);
      const pvs = objs.pvs.filter((v) => v.metadata?.labels?.['kompox.dev/volume'] === volume);
      assert.equal(pvcs.length, 1, `PVCs of ${volume}: ${pvcs.map((c) => c.metadata?.name).join(', ')}`);
      assert.equal(pvs.length, 1, `PVs of ${volume}: ${pvs.map((v) => v.metadata?.name).join(', ')}`);
      assert.equal(pvcs[0]?.status?.phase, 'Bound');
      assert.equal(pvcs[0]?.spec?.volumeName, pvs[0]?.metadata?.name);
    }
    const status = await kompoxopsJson<AppStatus>(suite.stack, p.dir, 'app', 'status');
    assert.equal(status.ready, true);
    return { objs, status };
  }

  async function withWebhook<T>(
    opts: { operations: ('CREATE' | 'UPDATE' | 'DELETE')[]; resources: string[]; delayMs?: number },
    fn: (hook: AdmissionDelay) => Promise<T>,
  ): Promise<T> {
    const hook = await startAdmissionDelay(suite.kc, {
      clusterDir: devClusterDir(suite.stack.dir),
      name: `hold-${opts.resources.join('-')}`,
      namespace,
      ...opts,
      delayMs: opts.delayMs ?? 5000,
    });
    try {
      // The apiserver picks a new webhook configuration up from its informer.
      await sleep(2000);
      return await fn(hook);
    } finally {
      await hook.stop();
    }
  }

  void it('killed during render and apply (first deploy) with half the render applied', async () => {
    const boot = await kompoxops(suite.stack, p.dir, 'disk', 'create', '--bootstrap');
    assert.equal(boot.status, 0, boot.stderr);
    namespace = (await kompoxopsJson<AppStatus>(suite.stack, p.dir, 'app', 'status')).namespace;
    const rec = await withWebhook(
      { operations: ['CREATE', 'UPDATE'], resources: ['secrets'] },
      async (hook) => {
        const id = await startDeploy();
        await waitForStep(id, 'render and apply');
        await eventually('the apply to reach the Secrets', () =>
          Promise.resolve(hook.seen.length > 0 ? true : undefined),
        );
        await killWorker(suite.stack.dir);
        const partial = await appObjects(suite.kc, namespace, p.appName);
        assert.equal(partial.deployments.length, 0, 'the kill came after the Deployment was applied');
        assert.equal(partial.pvcs.length, 2, 'the kill came before the PVCs were applied');
        await restartWorker(suite.stack.dir);
        return finish(id);
      },
    );
    await assertSettled(rec, 'applyApp', 1);
  });

  void it('killed during wait for rollout (config change)', async () => {
    setWikiLogLevel(p, 'debug');
    const core = suite.kc.makeApiClient(CoreV1Api);
    const nodes = (await core.listNode({ labelSelector: 'topology.kubernetes.io/zone=local-1a' })).items.map(
      (n) => n.metadata?.name ?? '',
    );
    assert.ok(nodes.length > 0);
    for (const n of nodes) await cordonNode(suite.kc, n);
    let rec: OperationRecord;
    try {
      const id = await startDeploy();
      await waitForStep(id, 'wait for rollout');
      await eventually('the new pod to be Pending', async () => {
        const o = await appObjects(suite.kc, namespace, p.appName);
        return o.pods.length === 1 && o.pods[0]?.status?.phase === 'Pending' ? true : undefined;
      });
      await killWorker(suite.stack.dir);
      for (const n of nodes) await uncordonNode(suite.kc, n);
      await restartWorker(suite.stack.dir);
      rec = await finish(id);
    } finally {
      for (const n of nodes) await uncordonNode(suite.kc, n);
    }
    await assertSettled(rec, 'waitForAppRollout', 2);
  });

  void it('killed during prune previous render (disk switch)', async () => {
    const created = await kompoxops(suite.stack, p.dir, 'disk', 'create', '-V', 'db');
    assert.equal(created.status, 0, created.stderr);
    const disks = await kompoxopsJson<DiskView[]>(suite.stack, p.dir, 'disk', 'list', '-V', 'db');
    const fresh = disks.find((d) => !d.assigned);
    const old = disks.find((d) => d.assigned);
    assert.ok(fresh && old);
    const assign = await kompoxops(suite.stack, p.dir, 'disk', 'assign', '-V', 'db', '-N', fresh.name);
    assert.equal(assign.status, 0, assign.stderr);

    const rec = await withWebhook(
      { operations: ['DELETE'], resources: ['persistentvolumeclaims'] },
      async (hook) => {
        const id = await startDeploy();
        await waitForStep(id, 'prune previous render');
        await eventually('the prune to reach the old PVC', () =>
          Promise.resolve(hook.seen.some((s) => s.startsWith('DELETE')) ? true : undefined),
        );
        await killWorker(suite.stack.dir);
        await restartWorker(suite.stack.dir);
        return finish(id);
      },
    );
    const { status } = await assertSettled(rec, 'pruneApp', 3);
    assert.equal(status.volumes.find((v) => v.name === 'db')?.disk?.name, fresh.name);
    const after = await kompoxopsJson<DiskView[]>(suite.stack, p.dir, 'disk', 'list', '-V', 'db');
    assert.ok(
      after.some((d) => d.name === old.name && !d.assigned),
      'the old disk is gone',
    );
    assert.ok(existsSync(old.handle), 'the old disk lost its data directory');
  });

  void it('an apply held longer than the heartbeat timeout completes in one attempt', async () => {
    // Two Secrets held 20 s each by the webhook: the apply takes ~40 s, beyond the kube
    // activities' 30 s heartbeat timeout, with no worker killed.
    setWikiLogLevel(p, 'warn');
    const rec = await withWebhook(
      { operations: ['UPDATE'], resources: ['secrets'], delayMs: 20_000 },
      async (hook) => {
        const id = await startDeploy();
        const done = await finish(id);
        assert.ok(hook.seen.length >= 2, `held: ${hook.seen.join(', ')}`);
        return done;
      },
    );
    assert.equal(rec.phase, 'Completed', JSON.stringify(rec.failure));
    const attempts = await activityAttempts(suite.stack.client, rec.workflowId!);
    assert.equal(
      Math.max(0, ...(attempts.applyApp ?? [])),
      1,
      `applyApp attempts: ${JSON.stringify(attempts)}`,
    );
    const objs = await appObjects(suite.kc, namespace, p.appName);
    assert.equal(objs.replicaSets.length, 4);
  });
});
