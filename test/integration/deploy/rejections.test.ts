// Input that passes Kompox's validation but the apiserver rejects becomes a Failed operation
// whose reason quotes the apiserver; input Kompox rejects makes `app deploy` exit 2 naming the
// file (and service or document) before anything exists in the cluster or in Temporal.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { cordonNode, uncordonNode } from '../../../kube/cordon';
import { appControllerWorkflowId } from '../../../api/ids';
import type { OperationRecord } from '../../../api/operation';
import { type TestProject, kompoxops, wikiProject } from '../../helpers/deploy-project';
import { deploySuite } from '../../helpers/deploy-suite';
import { appObjects } from '../../helpers/kube-app';
import { activityAttempts } from '../../helpers/snapshots';

function edit(file: string, from: RegExp, to: string): void {
  const text = readFileSync(file, 'utf8');
  assert.match(text, from, `fixture ${file} changed; update the test`);
  writeFileSync(file, text.replace(from, to));
}

void describe('deploy rejections', () => {
  const suite = deploySuite();
  const project = (app: string, change: (dir: string) => void): TestProject => {
    const p = suite.track(wikiProject(app));
    change(p.dir);
    return p;
  };

  const namespacesOf = async (app: string): Promise<string[]> =>
    (await suite.kc.makeApiClient(CoreV1Api).listNamespace()).items
      .map((n) => n.metadata?.name ?? '')
      .filter((n) => n.includes(`-${app}-`));

  /** Deploys input our validation accepts; returns the failed operation. */
  async function failedDeploy(p: TestProject, ...flags: string[]): Promise<OperationRecord> {
    const valid = await kompoxops(suite.stack, p.dir, 'validate');
    assert.equal(valid.status, 0, `our validation should accept this input:\n${valid.stderr}`);
    const r = await kompoxops(
      suite.stack,
      p.dir,
      'app',
      'deploy',
      '--bootstrap-disks',
      '-o',
      'json',
      ...flags,
    );
    assert.equal(r.status, 1, `deploy should fail (exit 1):\n${r.stderr}`);
    const op = JSON.parse(r.stdout) as OperationRecord;
    assert.equal(op.phase, 'Failed');
    return op;
  }

  void it('requests above limits: the apply fails as KubeRejected quoting the apiserver', async () => {
    const p = project('greedy', (dir) =>
      edit(
        join(dir, 'compose.yml'),
        /resources: \{ cpu: 100m, memory: 256Mi \}/,
        'resources: { memory: 2Gi }',
      ),
    );
    const op = await failedDeploy(p);
    assert.equal(op.failure?.reason, 'KubeRejected');
    assert.match(
      op.failure?.message ?? '',
      /Deployment .*greedy-app.* is invalid: .*must be less than or equal to memory limit/,
    );
    assert.match(op.failure?.message ?? '', /HTTP 422/);
    const step = op.steps.find((s) => s.name === 'render and apply');
    assert.equal(step?.phase, 'Failed');
    assert.match(step?.detail ?? '', /must be less than or equal to memory limit/);
    // Nothing after the failed step ran, and the Deployment was never stored.
    assert.ok(!op.steps.some((s) => s.name === 'wait for rollout'));
    // The whole render was dry-run first: only the namespace exists, nothing half-applied.
    const [ns] = await namespacesOf(p.appName);
    assert.ok(ns, 'the namespace is applied before the dry run');
    const objs = await appObjects(suite.kc, ns, p.appName);
    assert.equal(objs.deployments.length, 0);
    assert.deepEqual(
      [objs.pvs.length, objs.pvcs.length, objs.secrets.length, objs.configMaps.length, objs.services.length],
      [0, 0, 0, 0, 0],
      'objects of a rejected render were applied',
    );
  });

  void it('an image with a trailing space: pods are refused, the rollout fails fast quoting the apiserver', async () => {
    const p = project('spacey', (dir) =>
      edit(join(dir, 'compose.yml'), /image: postgres:16-alpine/, "image: 'postgres:16-alpine '"),
    );
    const started = Date.now();
    const op = await failedDeploy(p, '--timeout', '300');
    assert.equal(op.failure?.reason, 'RolloutFailed', JSON.stringify(op.failure));
    assert.match(
      op.failure?.message ?? '',
      /is invalid: .*image: Invalid value: "postgres:16-alpine ": must not have leading or trailing whitespace/,
    );
    // Well before the rollout timeout, and without a heartbeat timeout in between.
    assert.ok(Date.now() - started < 120_000, `took ${Date.now() - started} ms`);
  });

  void it('a pod that cannot be scheduled: the rollout fails at --timeout as RolloutFailed, not on a heartbeat timeout', async () => {
    // Its own zone, with every node cordoned, so no other test is affected.
    const p = project('stuck', (dir) => edit(join(dir, 'kompoxapp.yml'), /zone: local-1a/, 'zone: local-1c'));
    const core = suite.kc.makeApiClient(CoreV1Api);
    const nodes = (await core.listNode({ labelSelector: 'topology.kubernetes.io/zone=local-1c' })).items.map(
      (n) => n.metadata?.name ?? '',
    );
    assert.ok(nodes.length > 0, 'the cluster has no node in local-1c');
    for (const name of nodes) await cordonNode(suite.kc, name);
    try {
      const started = Date.now();
      // Longer than the 30 s heartbeat timeout of the kube activities.
      const op = await failedDeploy(p, '--timeout', '45');
      assert.equal(op.failure?.reason, 'RolloutFailed', JSON.stringify(op.failure));
      assert.match(
        op.failure?.message ?? '',
        /timed out after 45s waiting for rollout .*0 of 1 updated replicas/,
      );
      assert.ok(Date.now() - started < 110_000, `took ${Date.now() - started} ms`);
      const attempts = Object.values(await activityAttempts(suite.stack.client, op.workflowId!)).flat();
      assert.equal(Math.max(...attempts), 1, `retried activities: ${attempts.join(',')}`);
    } finally {
      for (const name of nodes) await uncordonNode(suite.kc, name);
    }
  });

  const badInput: { name: string; change: (dir: string) => void; expect: RegExp }[] = [
    {
      name: 'compose service with build and no image',
      change: (dir) => edit(join(dir, 'compose.yml'), /image: postgres[^\n]*/, 'build: ./db'),
      expect: /compose\.yml.*service "?db"?.*build/,
    },
    {
      name: 'compose service mounting a volume the App does not declare',
      change: (dir) =>
        edit(
          join(dir, 'compose.yml'),
          /- db\/postgres:\/var\/lib\/postgresql\/data/,
          '- nosuch/pg:/var/lib/postgresql/data',
        ),
      expect: /compose\.yml.*"?db"?.*nosuch/,
    },
    {
      name: 'compose service with an absolute bind mount',
      change: (dir) => edit(join(dir, 'compose.yml'), /- \.\/data:\/wiki\/data/, '- /srv/wiki:/wiki/data'),
      expect: /compose\.yml.*"?wiki"?.*\/srv\/wiki/,
    },
    {
      name: 'KOM App with an invalid snapshot schedule',
      change: (dir) => edit(join(dir, 'kompoxapp.yml'), /schedule: .*/, "schedule: '61 * * * *'"),
      expect: /kompoxapp\.yml \(document 2.*spec\.snapshots\.schedule/,
    },
  ];
  let n = 0;
  for (const c of badInput) {
    void it(`${c.name}: app deploy exits 2 naming it, nothing is created`, async () => {
      const p = project(`bad${++n}`, c.change);
      const r = await kompoxops(suite.stack, p.dir, 'app', 'deploy', '--bootstrap-disks');
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, c.expect);
      assert.deepEqual(await namespacesOf(p.appName), []);
      await assert.rejects(
        suite.stack.client.workflow.getHandle(appControllerWorkflowId(p.appKey)).describe(),
        /not found/i,
      );
    });
  }
});
