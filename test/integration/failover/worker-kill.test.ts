// A worker SIGKILLed at every step of a node incident and of the failover it hands out still
// brings the app back once: each kind of activity the two workflows schedule is read from their
// histories as it appears (local activities by their markers), and the worker dies and restarts
// there, once per kind.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { type IncidentView, incidentViewQuery, nodeIncidentWorkflowId } from '../../../api/incident';
import { appControllerWorkflowId } from '../../../api/ids';
import { controllerViewQuery } from '../../../api/messages';
import { reportAlert } from '../../../client/report-alert';
import { kompoxops } from '../../helpers/deploy-project';
import { failoverApp } from '../../helpers/failover-app';
import { killAndRestartWorker } from '../../helpers/worker-kill';
import { localActivityRun } from '../../helpers/local-activity';

void describe('worker killed at every step of a failover', () => {
  const app = failoverApp(`fokill${process.pid}`, 5);
  const { project, readyStatus, inPod } = app;

  void it('ends with one failover and the app Ready on the other node with its data', async (t) => {
    const { status: s, dead, digest } = await app.deployAndPowerOff();
    await reportAlert(app.stack().client, {
      source: 'alertmanager',
      dedupeKey: 'kill@1',
      status: 'firing',
      cluster: 'dev',
      node: dead,
      receivedAt: new Date().toISOString(),
    });

    const incident = app.stack().client.workflow.getHandle(nodeIncidentWorkflowId('dev', dead));
    const controller = app.stack().client.workflow.getHandle(appControllerWorkflowId(s.appKey));
    // Each kind of activity the incident and the failover schedule, read from their histories.
    const scheduled = async (workflowId: string): Promise<string[]> => {
      const history = await app.stack().client.workflow.getHandle(workflowId).fetchHistory();
      return (history.events ?? []).flatMap((e) => {
        const type = e.activityTaskScheduledEventAttributes?.activityType?.name ?? localActivityRun(e)?.type;
        return type ? [type] : [];
      });
    };
    const killedAt: string[] = [];
    let failoverWorkflow: string | undefined;
    const deadline = Date.now() + 12 * 60_000;
    let view: IncidentView | undefined;
    for (;;) {
      assert.ok(Date.now() < deadline, `no recovery within 12 minutes; killed at ${killedAt.join(', ')}`);
      try {
        view = await incident.query(incidentViewQuery);
        // From visibility, which answers while the worker restarts, not from the controller.
        for await (const w of app.stack().client.workflow.list({
          query: `KompoxAppKey = '${s.appKey}' AND KompoxOperationKind = 'app.failover'`,
        }))
          failoverWorkflow = w.workflowId;
      } catch {
        await sleep(300); // the restarted worker has not taken the workflow task yet
        continue;
      }
      const boundaries = [
        ...(await scheduled(incident.workflowId)).map((a) => `incident: ${a}`),
        ...(failoverWorkflow ? (await scheduled(failoverWorkflow)).map((a) => `failover: ${a}`) : []),
      ];
      const next = boundaries.find((b) => !killedAt.includes(b) && b !== 'incident: waitForNodeBack');
      if (next) {
        killedAt.push(next);
        await killAndRestartWorker(app.stack().dir);
        continue;
      }
      if (view.phase === 'AwaitingNode') break;
      await sleep(100);
    }
    t.diagnostic(`worker killed at: ${killedAt.join(' | ')}`);
    for (const step of [
      'incident: inspectNode',
      'incident: appsOnNode',
      'incident: instanceState',
      'incident: fenceNode',
      'incident: setOutOfService',
      'incident: acquireFailoverSlot',
      'failover: forceDeleteAppPods',
      'failover: waitForVolumesDetached',
      'failover: listDisks',
      'failover: waitForAppRollout',
      'failover: verifyPlacement',
    ])
      assert.ok(killedAt.includes(step), `no kill at ${step}: ${killedAt.join(', ')}`);

    const after = await readyStatus();
    assert.notEqual(after.node, dead);
    assert.equal((await inPod(after, 'sha256sum /data/payload.bin')).split(' ')[0], digest);
    const failovers = (await controller.query(controllerViewQuery)).recentOperations.filter(
      (o) => o.kind === 'app.failover',
    );
    assert.equal(failovers.length, 1, JSON.stringify(failovers));
    assert.equal(failovers[0]!.phase, 'Completed', JSON.stringify(failovers[0]!.failure));
    assert.equal(view.apps.filter((a) => a.operationId).length, 1);
    await kompoxops(app.stack(), project.dir, 'dev', 'node', 'recover', dead);
  });
});
