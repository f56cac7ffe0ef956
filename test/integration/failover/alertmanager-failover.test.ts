// The whole path from a real Prometheus Alertmanager: it delivers a node alert to the webhook
// receiver the dev stack's worker runs (bearer token from dev status), repeats it, is restarted
// and delivers it again, and resolves it; the receiver hands each delivery to the node's incident,
// and exactly one failover runs for the one incident. An alert about a node the cluster does not
// have is accepted and ends as a no-op.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { type Alertmanager, startAlertmanager } from '../../../dev/alertmanager';
import { devStackStatus } from '../../../dev/dev-stack';
import { type IncidentView, incidentViewQuery, nodeIncidentWorkflowId } from '../../../api/incident';
import { appControllerWorkflowId } from '../../../api/ids';
import { controllerViewQuery } from '../../../api/messages';
import { kompoxops } from '../../helpers/deploy-project';
import { eventually } from '../../helpers/kube-app';
import { failoverApp } from '../../helpers/failover-app';

void describe('failover from a real Alertmanager through the webhook receiver', () => {
  let am: Alertmanager | undefined;
  const amDir = mkdtempSync(join(tmpdir(), 'kompox-am-'));
  const app = failoverApp(`foam${process.pid}`, 5);
  const { project, readyStatus, inPod } = app;
  const incident = (node: string): Promise<IncidentView> =>
    app.stack().client.workflow.getHandle(nodeIncidentWorkflowId('dev', node)).query(incidentViewQuery);

  before(async () => {
    const status = devStackStatus(app.stack().dir);
    assert.ok(status.webhookUrl && status.webhookTokenFile, JSON.stringify(status));
    am = await startAlertmanager({
      dir: amDir,
      webhookUrl: `${status.webhookUrl}/v1/alerts/alertmanager`,
      bearerToken: readFileSync(status.webhookTokenFile, 'utf8').trim(),
      repeatInterval: '5s',
    });
  });
  after(async () => {
    await am?.stop();
    rmSync(amDir, { recursive: true, force: true });
  });

  void it('runs one failover per incident, however often the alert is delivered', async (t) => {
    const { status: s, dead, digest } = await app.deployAndPowerOff();

    const startsAt = new Date(Date.now() - 2000).toISOString();
    const labels = { alertname: 'KubeNodeUnreachable', node: dead, cluster: 'dev', severity: 'critical' };
    await am!.postAlerts([{ labels, startsAt }]);
    const first = await eventually('the incident started by Alertmanager', () => incident(dead), 60_000);
    assert.equal(first.alerts[0]?.source, 'alertmanager');

    // Alertmanager repeats the notification, then is restarted and delivers it again.
    await sleep(6000);
    await am!.restart();
    await am!.postAlerts([{ labels, startsAt }]);

    const moved = await eventually(
      'the app Ready on the other node',
      async () => {
        const now = await readyStatus();
        return now.node !== dead ? now : undefined;
      },
      240_000,
    );
    assert.equal((await inPod(moved, 'sha256sum /data/payload.bin')).split(' ')[0], digest);
    await sleep(7000); // at least one more repeat after the failover
    const view = await incident(dead);
    assert.equal(view.phase, 'AwaitingNode', JSON.stringify(view));
    // Every delivery was the same incident (fingerprint + startsAt): one alert taken, one failover.
    assert.equal(view.alerts.length, 1, JSON.stringify(view.alerts));
    const failovers = (
      await app
        .stack()
        .client.workflow.getHandle(appControllerWorkflowId(s.appKey))
        .query(controllerViewQuery)
    ).recentOperations.filter((o) => o.kind === 'app.failover');
    assert.equal(failovers.length, 1, JSON.stringify(failovers.map((f) => f.id)));
    assert.equal(failovers[0]!.phase, 'Completed', JSON.stringify(failovers[0]!.failure));
    assert.equal(failovers[0]!.requester.via, 'webhook');

    // The receiver's own count of what it accepted, beside the log line per alert.
    const metrics = await (await fetch(`${devStackStatus(app.stack().dir).webhookUrl}/metrics`)).text();
    const accepted =
      /kompox_webhook_alerts_total\{[^}]*source="alertmanager"[^}]*result="accepted"[^}]*\} (\d+)|kompox_webhook_alerts_total\{[^}]*result="accepted"[^}]*source="alertmanager"[^}]*\} (\d+)/.exec(
        metrics,
      );
    assert.ok(accepted && Number(accepted[1] ?? accepted[2]) >= 3, metrics);
    t.diagnostic(
      `deliveries accepted: ${accepted[1] ?? accepted[2]}; failover ${JSON.stringify(failovers[0]!.figures)}`,
    );

    // Resolving the alert is recorded; the taint stays until the node is back.
    await am!.postAlerts([{ labels, startsAt, endsAt: new Date().toISOString() }]);
    await eventually('the resolved alert recorded', async () =>
      (await incident(dead)).alerts.some((a) => a.status === 'resolved') ? true : undefined,
    );
    await kompoxops(app.stack(), project.dir, 'dev', 'node', 'recover', dead);
    await eventually(
      'the incident resolved',
      async () => ((await incident(dead)).phase === 'Resolved' ? true : undefined),
      180_000,
    );
  });

  void it('accepts an alert about a node the cluster does not have, and does nothing', async () => {
    await am!.postAlerts([
      { labels: { alertname: 'KubeNodeUnreachable', node: 'ghost-node', cluster: 'dev' } },
    ]);
    const view = await eventually(
      'the ghost incident dismissed',
      async () => {
        try {
          const v = await incident('ghost-node');
          return v.phase === 'Dismissed' ? v : undefined;
        } catch {
          return undefined;
        }
      },
      60_000,
    );
    assert.match(view.verification ?? '', /no node ghost-node in cluster dev/);
    assert.deepEqual(view.apps, []);
  });
});
