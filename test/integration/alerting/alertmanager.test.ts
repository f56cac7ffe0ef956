// The real Prometheus Alertmanager the failover tests alert through, delivering to a webhook this
// test serves: a firing alert arrives as a version 4 payload with the bearer token, is repeated
// after repeat_interval, is still delivered after a restart on the same storage, and its
// resolution arrives with the same fingerprint and start time.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Alertmanager, startAlertmanager } from '../../../dev/alertmanager';

interface WebhookAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  fingerprint: string;
}
interface WebhookBody {
  version: string;
  status: 'firing' | 'resolved';
  receiver: string;
  groupKey: string;
  alerts: WebhookAlert[];
}
interface Delivery {
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: WebhookBody;
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
async function eventually<T>(what: string, check: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const token = 'kompox-alert-token';
const labels = { alertname: 'KubeNodeNotReady', node: 'n1', cluster: 'dev', zone: 'local-1a' };

void describe('Alertmanager delivering to a webhook', { timeout: 180_000 }, () => {
  let dir: string;
  let server: Server;
  let am: Alertmanager | undefined;
  const deliveries: Delivery[] = [];
  const startsAt = new Date(Date.now() - 60_000).toISOString();
  let fingerprint: string;

  const after_ = (t: number, status: 'firing' | 'resolved') => (): Delivery | undefined =>
    deliveries.find((d) => d.at > t && d.body.status === status);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kompox-alertmanager-'));
    server = createServer((req, res) => {
      let data = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (data += chunk));
      req.on('end', () => {
        deliveries.push({
          at: Date.now(),
          path: req.url ?? '',
          headers: req.headers,
          body: JSON.parse(data) as WebhookBody,
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    am = await startAlertmanager({
      dir,
      webhookUrl: `http://127.0.0.1:${port}/hooks/alertmanager`,
      bearerToken: token,
    });
  });

  after(async () => {
    await am?.stop();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  void it('delivers a firing alert as a version 4 payload with the bearer token', async () => {
    const posted = Date.now();
    await am!.postAlerts([{ labels, annotations: { summary: 'n1 is not ready' }, startsAt }]);
    const d = await eventually('a firing notification', after_(posted, 'firing'));
    assert.equal(d.path, '/hooks/alertmanager');
    assert.equal(d.headers.authorization, `Bearer ${token}`);
    assert.equal(d.body.version, '4');
    assert.equal(d.body.status, 'firing');
    assert.equal(d.body.receiver, 'webhook');
    assert.equal(d.body.alerts.length, 1);
    const [alert] = d.body.alerts;
    assert.equal(alert!.status, 'firing');
    assert.deepEqual(alert!.labels, labels);
    assert.equal(alert!.annotations.summary, 'n1 is not ready');
    assert.match(alert!.fingerprint, /^[0-9a-f]{16}$/);
    assert.equal(Date.parse(alert!.startsAt), Date.parse(startsAt));
    fingerprint = alert!.fingerprint;
  });

  void it('repeats the notification after repeat_interval', async () => {
    const first = deliveries.at(-1)!.at;
    const d = await eventually('a repeated notification', after_(first, 'firing'));
    assert.ok(d.at - first >= 4000, `repeated after ${d.at - first} ms, sooner than repeat_interval (5 s)`);
    assert.equal(d.body.alerts[0]!.fingerprint, fingerprint);
    assert.equal(Date.parse(d.body.alerts[0]!.startsAt), Date.parse(startsAt));
  });

  void it('still delivers after a restart on the same storage', async () => {
    await am!.stop();
    // Written on shutdown: what was sent survives the restart.
    assert.ok(existsSync(join(dir, 'data', 'nflog')), 'no notification log in the storage directory');
    await am!.restart();
    // Alerts live in memory only: the sender posts them again, as Prometheus does every interval.
    const restarted = Date.now();
    await am!.postAlerts([{ labels, annotations: { summary: 'n1 is not ready' }, startsAt }]);
    const d = await eventually('a notification after the restart', after_(restarted, 'firing'));
    assert.equal(d.headers.authorization, `Bearer ${token}`);
    assert.equal(d.body.alerts[0]!.fingerprint, fingerprint);
    assert.equal(Date.parse(d.body.alerts[0]!.startsAt), Date.parse(startsAt));
  });

  void it('delivers the resolution with the same fingerprint and start', async () => {
    const resolved = Date.now();
    await am!.postAlerts([{ labels, startsAt, endsAt: new Date(Date.now() - 1000) }]);
    const d = await eventually('a resolved notification', after_(resolved, 'resolved'));
    assert.equal(d.body.version, '4');
    assert.equal(d.body.alerts.length, 1);
    const [alert] = d.body.alerts;
    assert.equal(alert!.status, 'resolved');
    assert.deepEqual(alert!.labels, labels);
    assert.equal(alert!.fingerprint, fingerprint);
    assert.equal(Date.parse(alert!.startsAt), Date.parse(startsAt));
    assert.ok(Date.parse(alert!.endsAt) < resolved, 'endsAt is the posted time in the past');
  });
});
