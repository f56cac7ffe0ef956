// Failover on an alert, on the dev cluster's real nodes, for one provider driver: the journal app
// runs on one of two real nodes of zone local-1a. The node loses power, an alert about it arrives
// (three times, as Alertmanager re-sends), and Kompox verifies the node down, fences it where the
// driver can (the local provider's fencing is the power-off; k3s has no VM to stop), taints it
// out-of-service and fails the app over: Ready on the other node with the same data, one failover
// for the one incident. With k3s the disk is a CSI volume whose VolumeAttachment must leave the
// dead node first. When the node is back the taint goes. A node that only looked down (a resolved
// alert inside the grace window) is left alone: nothing fenced, nothing tainted, the app not moved.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CoreV1Api, StorageV1Api } from '@kubernetes/client-node';
import type { NormalizedAlert } from '../../api/alert';
import { type IncidentView, incidentViewQuery, nodeIncidentWorkflowId } from '../../api/incident';
import type { OperationRecord } from '../../api/operation';
import type { ControllerView } from '../../api/messages';
import { reportAlert } from '../../client/report-alert';
import { devStackStatus } from '../../dev/dev-stack';
import { type TestProject, kompoxops, useK3sProvider } from './deploy-project';
import { eventually } from './kube-app';
import { failoverApp } from './failover-app';

const CLUSTER = 'dev';
const GRACE_SECONDS = 8;

function alert(node: string, status: 'firing' | 'resolved', dedupeKey: string): NormalizedAlert {
  return {
    source: 'alertmanager',
    dedupeKey,
    status,
    name: 'KubeNodeUnreachable',
    cluster: CLUSTER,
    node,
    zone: 'local-1a',
    receivedAt: new Date().toISOString(),
  };
}

export function failoverSuite(driver: 'local' | 'k3s'): void {
  void describe(`failover on an alert, real nodes, ${driver} provider`, () => {
    const app = failoverApp(
      `fo${driver}${process.pid}`,
      GRACE_SECONDS,
      (p: TestProject) => driver === 'k3s' && useK3sProvider(p),
    );
    const { project, json, readyStatus, inPod } = app;
    const dev = async (...args: string[]) => {
      const r = await kompoxops(app.stack(), project.dir, 'dev', ...args);
      assert.equal(r.status, 0, `kompoxops dev ${args.join(' ')}: ${r.stderr}`);
    };
    const taints = async (node: string) =>
      ((await app.kc().makeApiClient(CoreV1Api).readNode({ name: node })).spec?.taints ?? []).map(
        (t) => t.key,
      );
    const incident = (node: string) =>
      app.stack().client.workflow.getHandle(nodeIncidentWorkflowId(CLUSTER, node)).query(incidentViewQuery);
    const fenceRecord = (node: string) =>
      join(project.dir, 'disks', 'demo', 'local', 'fenced', `${node}.json`);

    void it('brings the app back on the other node of its zone with its data, once per incident', async (t) => {
      const deployed = await json<OperationRecord>('app', 'deploy', '--bootstrap-disks');
      assert.equal(deployed.phase, 'Completed', JSON.stringify(deployed.failure));
      const before = await readyStatus();
      const dead = before.node!;
      assert.match(dead, /^real-local-1a-/);
      await inPod(before, 'echo before-failure >> /data/boots.log; sync');
      const digest = (await inPod(before, 'sha256sum /data/payload.bin')).split(' ')[0];

      await dev('node', 'fail', dead, '--mode', 'poweroff');
      // Alertmanager sends the same alert again and again; each joins the one incident.
      const first = await reportAlert(app.stack().client, alert(dead, 'firing', 'fp1@t1'));
      assert.equal(first.result, 'incident', JSON.stringify(first));
      await reportAlert(app.stack().client, alert(dead, 'firing', 'fp1@t1'));
      await reportAlert(app.stack().client, { ...alert(dead, 'firing', 'fp1@t1'), source: 'alertmanager' });

      const after = await eventually(
        'the app Ready on another node',
        async () => {
          const s = await readyStatus();
          return s.node !== dead ? s : undefined;
        },
        240_000,
      );
      assert.match(after.node!, /^real-local-1a-/);
      assert.equal(after.zone, 'local-1a');
      assert.equal((await inPod(after, 'sha256sum /data/payload.bin')).split(' ')[0], digest);
      assert.match(await inPod(after, 'cat /data/boots.log'), /before-failure\nboot\n$/);

      const view = await eventually('the incident awaiting the node', async () => {
        const v = await incident(dead);
        return v.phase === 'AwaitingNode' ? v : undefined;
      });
      assert.equal(view.alerts.length, 1, JSON.stringify(view.alerts));
      if (driver === 'local') {
        assert.match(view.fence ?? '', /stopped the VM/);
        assert.ok(existsSync(fenceRecord(dead)), 'the local provider has no record of fencing the node');
      } else {
        assert.match(view.fence ?? '', /cannot stop a node's VM/);
      }
      assert.ok(
        view.marks.verifiedAt && view.marks.fencedAt && view.marks.taintedAt,
        JSON.stringify(view.marks),
      );
      assert.equal((await taints(dead)).includes('node.kubernetes.io/out-of-service'), true);

      const controller = await app
        .stack()
        .client.workflow.getHandle(`kompox-app:${before.appKey}`)
        .query<ControllerView>('controllerView');
      const failovers = controller.recentOperations.filter((o) => o.kind === 'app.failover');
      assert.equal(failovers.length, 1, JSON.stringify(failovers.map((f) => f.id)));
      const op = failovers[0]!;
      assert.equal(op.phase, 'Completed', JSON.stringify(op.failure));
      assert.equal(op.lane, 'failover');
      assert.equal(op.requester.via, 'webhook');
      assert.equal(view.apps[0]?.operationId, op.id);
      const f = op.figures ?? {};
      if (driver === 'k3s') {
        // The CSI volume left the dead node and is attached to the new one.
        const attachments = (await app.kc().makeApiClient(StorageV1Api).listVolumeAttachment()).items.filter(
          (a) => a.status?.attached && a.spec.source.persistentVolumeName?.startsWith('k4x-'),
        );
        assert.deepEqual(
          attachments.map((a) => a.spec.nodeName),
          [after.node],
          JSON.stringify(attachments.map((a) => [a.spec.source.persistentVolumeName, a.spec.nodeName])),
        );
      }
      assert.equal(f.rpoSeconds, 0);
      assert.equal(f.podsDeleted, 1);
      for (const k of [
        'rtoSeconds',
        'alertToVerifiedSeconds',
        'verifiedToFencedSeconds',
        'fencedToDetachedSeconds',
        'detachedToReadySeconds',
      ])
        assert.equal(typeof f[k], 'number', `${k} missing in ${JSON.stringify(f)}`);
      // Verification waited for the grace period on the node's silence.
      assert.ok((f.alertToVerifiedSeconds as number) >= 1, JSON.stringify(f));
      assert.ok((f.rtoSeconds as number) < 180, JSON.stringify(f));
      assert.equal(controller.placement?.node, after.node);
      // The controller's record feeds the worker's RTO histogram.
      const metrics = await (await fetch(`${devStackStatus(app.stack().dir).metricsUrl}`)).text();
      assert.match(
        metrics,
        /kompox_failover_rto_seconds\w*_count\{[^}]*outcome="Completed"[^}]*\} 1/,
        metrics
          .split('\n')
          .filter((l) => l.includes('kompox_'))
          .join('\n'),
      );
      assert.match(
        metrics,
        /kompox_alerts_total\{[^}]*result="incident"[^}]*source="alertmanager"[^}]*\} 1|kompox_alerts_total\{[^}]*source="alertmanager"[^}]*\} 1/,
      );
      t.diagnostic(`failover ${dead} → ${after.node}: ${JSON.stringify(f)}`);

      // The node comes back: the taint goes and the incident ends.
      await dev('node', 'recover', dead);
      const ended = await eventually(
        'the incident resolved',
        async () => {
          const v = await incident(dead);
          return v.phase === 'Resolved' ? v : undefined;
        },
        180_000,
      );
      assert.ok(ended.marks.untaintedAt);
      assert.equal((await taints(dead)).includes('node.kubernetes.io/out-of-service'), false);
    });

    void it('fences nothing when a resolved alert arrives inside the grace window', async () => {
      const s = await readyStatus();
      const node = s.node!;
      // The kubelet dies but the node's machine runs: it looks down, then the alert resolves.
      await dev('node', 'fail', node, '--mode', 'unreachable');
      try {
        await reportAlert(app.stack().client, alert(node, 'firing', 'fp2@t2'));
        const resolved = await reportAlert(app.stack().client, alert(node, 'resolved', 'fp2@t2'));
        assert.equal(resolved.result, 'incident', JSON.stringify(resolved));
        const view: IncidentView = await eventually('the incident dismissed', async () => {
          const v = await incident(node);
          return v.phase === 'Dismissed' ? v : undefined;
        });
        assert.match(view.verification ?? '', /resolved alert/);
        assert.equal(view.marks.fencedAt, undefined);
        assert.equal(existsSync(fenceRecord(node)), false, 'the node was fenced');
        assert.equal((await taints(node)).includes('node.kubernetes.io/out-of-service'), false);
      } finally {
        await dev('node', 'recover', node);
      }
      const again = await readyStatus();
      assert.equal(again.pod, s.pod, 'the app was moved');
      const ops = await json<OperationRecord[]>('op', 'list');
      assert.equal(ops.filter((o) => o.kind === 'app.failover').length, 1);
    });

    void it('treats most of a zone failing together as a zone outage: no failover, the zone policy', async () => {
      const s = await readyStatus();
      const node = s.node!;
      // Zone local-1a has four nodes: two kwok, two real. Three down is a zone outage (over 50 %).
      const kwok = ['kwok-local-1a-1', 'kwok-local-1a-2'];
      for (const k of kwok) await dev('node', 'fail', k, '--mode', 'notready');
      try {
        await eventually('the kwok nodes NotReady', async () => {
          const nodes = await Promise.all(
            kwok.map((k) => app.kc().makeApiClient(CoreV1Api).readNode({ name: k })),
          );
          return nodes.every((n) =>
            n.status?.conditions?.some((c) => c.type === 'Ready' && c.status !== 'True'),
          )
            ? true
            : undefined;
        });
        await dev('node', 'fail', node, '--mode', 'poweroff');
        await reportAlert(app.stack().client, alert(node, 'firing', 'fp3@t3'));
        const view: IncidentView = await eventually(
          'the incident declared a zone outage',
          async () => {
            const v = await incident(node);
            return v.phase === 'ZoneOutage' ? v : undefined;
          },
          120_000,
        );
        assert.match(view.verification ?? '', /3 of 4 nodes of zone local-1a are down/);
        assert.match(view.apps[0]?.skipped ?? '', /zone outage: crossZone is never/);
        assert.equal(view.marks.fencedAt, undefined);
        assert.equal((await taints(node)).includes('node.kubernetes.io/out-of-service'), false);
        if (driver === 'local') assert.equal(existsSync(fenceRecord(node)), false, 'the node was fenced');
        const ops = await json<OperationRecord[]>('op', 'list');
        assert.equal(
          ops.filter((o) => o.kind === 'app.failover').length,
          1,
          'a failover ran in a zone outage',
        );
      } finally {
        for (const k of kwok) await dev('node', 'recover', k);
        await dev('node', 'recover', node);
      }
      // The zone is back: the incident ends and the app runs again where it was.
      await eventually(
        'the incident resolved',
        async () => ((await incident(node)).phase === 'Resolved' ? true : undefined),
        180_000,
      );
      const back = await readyStatus();
      assert.equal(back.node, node);
    });
  });
}
