// The storm guard's per-cluster limit: four wiki apps on the dev cluster's kwok nodes, two per
// zone; one node in each zone fails at once, so two incidents hand out failovers together. With
// a limit of one failover at a time per cluster, no two of them overlap, whichever incident
// handed them out, and every app on the failed nodes is back on the other node of its zone.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AppStatus } from '../../../cli/commands/app';
import { incidentViewQuery, nodeIncidentWorkflowId } from '../../../api/incident';
import { appControllerWorkflowId } from '../../../api/ids';
import { controllerViewQuery } from '../../../api/messages';
import type { OperationRecord } from '../../../api/operation';
import { reportAlert } from '../../../client/report-alert';
import { type TestProject, kompoxops, kompoxopsJson, wikiProject } from '../../helpers/deploy-project';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import { alertNodeDown, failKwokNodes } from '../../helpers/failover-app';
import { eventually } from '../../helpers/kube-app';

void describe('storm guard: failovers on one cluster run one at a time', () => {
  let stack: TestStack;
  const projects: TestProject[] = ['a', 'b', 'c', 'd'].map((x, i) => {
    const p = wikiProject(`storm${x}${process.pid}`);
    const kom = join(p.dir, 'kompoxapp.yml');
    writeFileSync(
      kom,
      readFileSync(kom, 'utf8')
        .replace('verifyGraceSeconds: 30', 'verifyGraceSeconds: 2')
        .replace('zone: local-1a', `zone: ${i < 2 ? 'local-1a' : 'local-1b'}`)
        // b asks to reschedule on its own disks, which are zonal: refused in a zone outage.
        .replace('crossZone: latestSnapshot', `crossZone: ${x === 'b' ? 'zoneRedundant' : 'latestSnapshot'}`),
    );
    return p;
  });

  before(async () => {
    stack = await startTestStack({ cluster: true });
  });
  after(async () => {
    await stack?.stop();
    for (const p of projects) rmSync(p.dir, { recursive: true, force: true });
  });

  void it('never runs two failovers of the cluster at once', async () => {
    const statuses: AppStatus[] = [];
    for (const p of projects) {
      const op = await kompoxopsJson<OperationRecord>(stack, p.dir, 'app', 'deploy', '--bootstrap-disks');
      assert.equal(op.phase, 'Completed', JSON.stringify(op.failure));
      statuses.push(await kompoxopsJson<AppStatus>(stack, p.dir, 'app', 'status'));
    }
    // In each zone, the node with the most of the apps fails.
    const failed = ['local-1a', 'local-1b'].map((zone) => {
      const nodes = statuses.filter((s) => s.zone === zone).map((s) => s.node!);
      return nodes.sort(
        (x, y) => nodes.filter((n) => n === y).length - nodes.filter((n) => n === x).length,
      )[0]!;
    });
    const moving = statuses.filter((s) => failed.includes(s.node!));
    for (const node of failed) {
      const r = await kompoxops(
        stack,
        projects[0]!.dir,
        'dev',
        'node',
        'fail',
        node,
        '--mode',
        'unreachable',
      );
      assert.equal(r.status, 0, r.stderr);
    }
    for (const node of failed) {
      const alert = {
        source: 'alertmanager' as const,
        dedupeKey: `storm@${node}`,
        status: 'firing' as const,
        cluster: 'dev',
        node,
        receivedAt: new Date().toISOString(),
      };
      const reported = await reportAlert(stack.client, alert, { maxConcurrentFailovers: 1 });
      assert.equal(reported.result, 'incident', JSON.stringify(reported));
    }
    for (const node of failed) {
      await eventually(
        `the incident of ${node} done failing over`,
        async () => {
          const v = await stack.client.workflow
            .getHandle(nodeIncidentWorkflowId('dev', node))
            .query(incidentViewQuery);
          return v.phase === 'AwaitingNode' ? v : undefined;
        },
        240_000,
      );
    }

    const failovers: OperationRecord[] = [];
    for (const s of moving) {
      const view = await stack.client.workflow
        .getHandle(appControllerWorkflowId(s.appKey))
        .query(controllerViewQuery);
      const ops = view.recentOperations.filter((o) => o.kind === 'app.failover');
      assert.equal(ops.length, 1, `${s.appKey}: ${JSON.stringify(ops)}`);
      assert.equal(ops[0]!.phase, 'Completed', JSON.stringify(ops[0]!.failure));
      assert.notEqual(view.placement?.node, s.node, `${s.appKey} is still on ${s.node}`);
      failovers.push(ops[0]!);
    }
    assert.ok(failovers.length >= 2, `only ${failovers.length} app(s) were on the failed nodes`);
    failovers.sort((x, y) => Date.parse(x.startedAt!) - Date.parse(y.startedAt!));
    for (let i = 1; i < failovers.length; i++) {
      assert.ok(
        Date.parse(failovers[i]!.startedAt!) >= Date.parse(failovers[i - 1]!.endedAt!),
        `failovers overlap: ${failovers.map((f) => `${f.appKey} ${f.startedAt}..${f.endedAt}`).join(', ')}`,
      );
    }
    for (const node of failed) await kompoxops(stack, projects[0]!.dir, 'dev', 'node', 'recover', node);
    // Both incidents see their node back and end, so the next alert about it opens a new one.
    for (const node of failed) {
      await eventually(
        `the incident of ${node} resolved`,
        async () => {
          const v = await stack.client.workflow
            .getHandle(nodeIncidentWorkflowId('dev', node))
            .query(incidentViewQuery);
          return v.phase === 'Resolved' ? v : undefined;
        },
        120_000,
      );
    }
  });

  void it('moves an app out of a zone that is down from its newest snapshots, and refuses to reschedule one on zonal disks', async (t) => {
    // a: crossZone latestSnapshot, snapshotted; b: crossZone zoneRedundant on zonal disks.
    const inZone = projects.slice(0, 2);
    const snap = await kompoxopsJson<OperationRecord>(stack, inZone[0]!.dir, 'snapshot', 'create');
    assert.equal(snap.phase, 'Completed', JSON.stringify(snap.failure));
    const before = await Promise.all(
      inZone.map((p) => kompoxopsJson<AppStatus>(stack, p.dir, 'app', 'status')),
    );
    const zoneNodes = ['kwok-local-1a-1', 'kwok-local-1a-2'];
    // Both down before the first alert: a zone outage is judged from the nodes the incident sees.
    await failKwokNodes(stack, inZone[0]!.dir, zoneNodes);
    try {
      for (const node of new Set(before.map((s) => s.node!)))
        await alertNodeDown(stack, node, `zone@${node}`);
      const [a, b] = before as [AppStatus, AppStatus];
      const refused = await eventually(
        `${b.appKey}'s failover refused`,
        async () => {
          const view = await stack.client.workflow
            .getHandle(appControllerWorkflowId(b.appKey))
            .query(controllerViewQuery);
          return view.recentOperations.find(
            (o) => o.kind === 'app.failover' && o.summary.includes('crossZone=zoneRedundant'),
          );
        },
        240_000,
      ).catch(async (err: Error) => {
        // What the incidents and b's controller saw, so a timeout says where it stopped.
        const seen = await Promise.all([
          ...before.map((s) =>
            stack.client.workflow
              .getHandle(nodeIncidentWorkflowId('dev', s.node!))
              .query(incidentViewQuery)
              .catch((e: Error) => e.message),
          ),
          stack.client.workflow
            .getHandle(appControllerWorkflowId(b.appKey))
            .query(controllerViewQuery)
            .catch((e: Error) => e.message),
        ]);
        throw new Error(`${err.message}\n${JSON.stringify({ before, seen }, null, 1)}`);
      });
      assert.equal(refused.phase, 'Failed');
      assert.equal(refused.failure?.reason, 'ZonalDisk', JSON.stringify(refused.failure));
      assert.match(refused.failure?.message ?? '', /is in zone local-1a, which is down/);
      for (const s of [a]) {
        const moved = await eventually(
          `${s.appKey} running in another zone`,
          async () => {
            const view = await stack.client.workflow
              .getHandle(appControllerWorkflowId(s.appKey))
              .query(controllerViewQuery);
            const op = view.recentOperations.find(
              (o) => o.kind === 'app.failover' && o.summary.includes('crossZone=latestSnapshot'),
            );
            return op && view.placement?.zone !== 'local-1a' ? { op, view } : undefined;
          },
          240_000,
        );
        assert.equal(moved.op.phase, 'Completed', JSON.stringify(moved.op.failure));
        assert.match(moved.op.summary, /crossZone=latestSnapshot/);
        assert.notEqual(moved.view.placement?.zone, 'local-1a');
        // Its data came from the snapshot: a new assigned disk per volume, in the new zone.
        const disks = Object.values(moved.view.disks)
          .flat()
          .filter((d) => d.assigned);
        assert.equal(disks.length, 2, JSON.stringify(moved.view.disks));
        for (const d of disks) assert.equal(d.zone, moved.view.placement?.zone, JSON.stringify(d));
        const f = moved.op.figures ?? {};
        assert.equal(f.restoredTo, moved.view.placement?.zone);
        assert.ok(Number(f.rpoSeconds) > 0, JSON.stringify(f));
        t.diagnostic(`${s.appKey}: ${JSON.stringify(f)}`);
      }
      const incident = await stack.client.workflow
        .getHandle(nodeIncidentWorkflowId('dev', before[0]!.node!))
        .query(incidentViewQuery);
      assert.equal(incident.phase, 'ZoneOutage');
    } finally {
      for (const node of zoneNodes) await kompoxops(stack, inZone[0]!.dir, 'dev', 'node', 'recover', node);
    }
  });
});
