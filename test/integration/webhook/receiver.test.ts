// The webhook receiver over real HTTP on a loopback port: each source's alerts answered 202
// and handed off after the answer, every way a request can be refused, SNS signatures,
// topics and subscription confirmation, the refusal to start open to anyone, and the
// health and metrics endpoints.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { NormalizedAlert } from '../../../api/alert';
import {
  type RunningWebhookReceiver,
  WebhookConfigError,
  startWebhookReceiver,
} from '../../../webhook/receiver';
import { type SnsSigner, createSnsSigner } from '../../helpers/sns-signing';
import {
  ALARM_ARN,
  EC2_ID,
  PROD_TOPIC,
  T0,
  alertmanagerBody,
  azureBody,
  gcpBody,
  snsNotification,
  snsSubscriptionConfirmation,
} from '../../helpers/webhook-samples';

const TOKEN = 'tok-9f8e7d6c5b4a';
const USER = 'sns-sender';
const PASSWORD = 'pw-1a2b3c4d';
const BEARER = { authorization: `Bearer ${TOKEN}` };
const BASIC = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };
const JSON_TYPE = { 'content-type': 'application/json' };
const SNS_TYPE = { 'content-type': 'text/plain; charset=UTF-8' };

async function waitFor(what: string, ok: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

void describe('webhook receiver', () => {
  let signer: SnsSigner;
  let receiver: RunningWebhookReceiver;
  let small: RunningWebhookReceiver;
  const handedOff: NormalizedAlert[] = [];
  const logs: Record<string, unknown>[] = [];
  /** While set, the hand-off waits on it: shows the answer does not wait for the hand-off. */
  let gate: Promise<void> | undefined;
  const failKeys = new Set<string>();

  const post = (path: string, body: unknown, headers: Record<string, string> = { ...BEARER, ...JSON_TYPE }) =>
    fetch(`${receiver.url}${path}`, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const handedOffFor = (source: string) => handedOff.filter((a) => a.source === source);
  const metric = async (line: string): Promise<number> => {
    const text = await (await fetch(`${receiver.url}/metrics`)).text();
    const hit = text.split('\n').find((l) => l.startsWith(`${line} `));
    return hit ? Number(hit.slice(line.length + 1)) : 0;
  };

  before(async () => {
    signer = createSnsSigner();
    const common = {
      host: '127.0.0.1',
      port: 0,
      bearerToken: TOKEN,
      basicAuth: { user: USER, password: PASSWORD },
      snsTopicArns: [PROD_TOPIC],
      fetchHttps: (url: string) => signer.fetchHttps(url),
      log: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>),
    };
    receiver = await startWebhookReceiver({
      ...common,
      onAlert: async (alert) => {
        await gate;
        if (failKeys.has(alert.dedupeKey)) throw new Error('Temporal unreachable');
        handedOff.push(alert);
      },
    });
    small = await startWebhookReceiver({ ...common, maxBodyBytes: 1024, onAlert: async () => {} });
  });
  after(async () => {
    await receiver?.close();
    await small?.close();
  });

  void it('accepts an Alertmanager group: 202, then each alert handed off normalised', async () => {
    const res = await post('/v1/alerts/alertmanager', alertmanagerBody());
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), { accepted: 2, ignored: 0 });
    await waitFor('two alertmanager hand-offs', () => handedOffFor('alertmanager').length === 2);
    const [worker2, worker3] = handedOffFor('alertmanager');
    assert.match(worker2!.receivedAt, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(
      { ...worker2, receivedAt: undefined },
      {
        source: 'alertmanager',
        dedupeKey: `5d3b2a1c9e8f7a60@${T0}`,
        status: 'firing',
        name: 'KubeNodeNotReady',
        cluster: 'prod-eu',
        node: 'worker-2',
        zone: 'eu-west-1b',
        observedAt: T0,
        receivedAt: undefined,
      },
    );
    assert.equal(worker3!.status, 'resolved');
    assert.equal(worker3!.node, 'worker-3');
  });

  void it('accepts Azure, GCP and a signed SNS notification, each handed off', async () => {
    assert.equal((await post('/v1/alerts/azure', azureBody())).status, 202);
    assert.equal((await post('/v1/alerts/gcp', gcpBody())).status, 202);
    const sns = signer.sign(snsNotification(), '2');
    const res = await post('/v1/alerts/sns', sns, { ...BASIC, ...SNS_TYPE });
    assert.equal(res.status, 202);
    await waitFor('azure, gcp and sns hand-offs', () =>
      ['azure', 'gcp', 'sns'].every((s) => handedOffFor(s).length === 1),
    );
    assert.equal(handedOffFor('azure')[0]!.node, 'aks-nodepool1-12345678-vmss000002');
    assert.equal(handedOffFor('azure')[0]!.app, 'wiki');
    assert.equal(handedOffFor('gcp')[0]!.node, 'gke-prod-pool-1-abcd1234-x7k2');
    assert.equal(handedOffFor('gcp')[0]!.dedupeKey, '0.nk7zq1x3m2p4');
    assert.deepEqual(
      { ...handedOffFor('sns')[0], receivedAt: undefined },
      {
        source: 'sns',
        dedupeKey: ALARM_ARN,
        status: 'firing',
        name: 'node-status-check-i-0abc123def4567890',
        instanceId: EC2_ID,
        observedAt: '2025-03-04T10:16:40.128Z',
        receivedAt: undefined,
      },
    );
  });

  void it('answers 202 before the hand-off finishes', async () => {
    let release!: () => void;
    gate = new Promise((r) => (release = r));
    const before = handedOffFor('gcp').length;
    try {
      const body = gcpBody();
      body.incident.incident_id = '0.slow-hand-off';
      const res = await post('/v1/alerts/gcp', body);
      assert.equal(res.status, 202);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(handedOffFor('gcp').length, before, 'handed off before the gate opened');
    } finally {
      gate = undefined;
      release();
    }
    await waitFor('the held hand-off', () => handedOffFor('gcp').length === before + 1);
  });

  void it('logs and counts a failed hand-off, and keeps serving', async () => {
    const failedBefore = await metric('kompox_webhook_alerts_total{source="gcp",result="handoff_failed"}');
    const body = gcpBody();
    body.incident.incident_id = '0.will-fail';
    failKeys.add('0.will-fail');
    assert.equal((await post('/v1/alerts/gcp', body)).status, 202);
    await waitFor('the failure log line', () =>
      logs.some((l) => l.dedupeKey === '0.will-fail' && l.result === 'handoff_failed'),
    );
    const line = logs.find((l) => l.dedupeKey === '0.will-fail' && l.result === 'handoff_failed')!;
    assert.equal(line.error, 'Temporal unreachable');
    assert.equal(
      await metric('kompox_webhook_alerts_total{source="gcp",result="handoff_failed"}'),
      failedBefore + 1,
    );
    assert.equal((await fetch(`${receiver.url}/healthz`)).status, 200);
  });

  void it('refuses missing or wrong credentials with 401 and a challenge; basic auth works', async () => {
    const none = await post('/v1/alerts/alertmanager', alertmanagerBody(), JSON_TYPE);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /Basic realm="kompox-webhook".*Bearer/);
    assert.deepEqual(await none.json(), { error: 'missing or wrong credentials' });
    const wrong = await post('/v1/alerts/alertmanager', alertmanagerBody(), {
      authorization: `Bearer ${TOKEN}x`,
      ...JSON_TYPE,
    });
    assert.equal(wrong.status, 401);
    const wrongBasic = { authorization: `Basic ${Buffer.from(`${USER}:nope`).toString('base64')}` };
    assert.equal((await post('/v1/alerts/gcp', gcpBody(), { ...wrongBasic, ...JSON_TYPE })).status, 401);
    // SNS asks without credentials first, and sends basic auth after the 401.
    const sns = signer.sign(snsNotification());
    assert.equal((await post('/v1/alerts/sns', sns, SNS_TYPE)).status, 401);
    const body = gcpBody();
    body.incident.incident_id = '0.basic';
    assert.equal((await post('/v1/alerts/gcp', body, { ...BASIC, ...JSON_TYPE })).status, 202);
    await waitFor('the basic-auth hand-off', () => handedOff.some((a) => a.dedupeKey === '0.basic'));
  });

  void it('refuses other content types with 415; SNS text/plain is fine', async () => {
    const res = await post('/v1/alerts/alertmanager', alertmanagerBody(), {
      ...BEARER,
      'content-type': 'text/plain',
    });
    assert.equal(res.status, 415);
    assert.deepEqual(await res.json(), { error: 'Content-Type: expected application/json' });
    assert.equal((await post('/v1/alerts/azure', azureBody(), BEARER)).status, 415);
    const xml = await post('/v1/alerts/sns', '<x/>', { ...BASIC, 'content-type': 'application/xml' });
    assert.equal(xml.status, 415);
  });

  void it('refuses malformed JSON and missing fields with 400 and a one-line error naming them', async () => {
    const bad = await post('/v1/alerts/azure', '{"schemaId": ');
    assert.equal(bad.status, 400);
    const text = await bad.text();
    assert.equal(text.trim().split('\n').length, 1);
    assert.match((JSON.parse(text) as { error: string }).error, /^body: not JSON/);
    const noId = azureBody();
    delete (noId.data.essentials as { alertId?: string }).alertId;
    const missing = await post('/v1/alerts/azure', noId);
    assert.equal(missing.status, 400);
    assert.deepEqual(await missing.json(), { error: 'data.essentials.alertId: expected a non-empty string' });
    const am = alertmanagerBody();
    delete (am.alerts[0] as { fingerprint?: string }).fingerprint;
    assert.equal((await post('/v1/alerts/alertmanager', am)).status, 400);
  });

  // A streamed body the receiver kept reading would never end: fail in seconds, not minutes.
  void it(
    'refuses a body over maxBodyBytes with 413, declared or streamed, without reading it all',
    { timeout: 10_000 },
    async () => {
      const big = JSON.stringify({ ...gcpBody(), padding: 'x'.repeat(64 << 10) });
      const res = await fetch(`${small.url}/v1/alerts/gcp`, {
        method: 'POST',
        headers: { ...BEARER, ...JSON_TYPE },
        body: big,
      });
      assert.equal(res.status, 413);
      assert.deepEqual(await res.json(), { error: 'body: larger than 1024 bytes' });
      // No Content-Length: chunks keep coming, and the answer comes after the first KiB or so.
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${small.url}/v1/alerts/gcp`, {
          method: 'POST',
          headers: { ...BEARER, ...JSON_TYPE },
        });
        req.on('response', (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        });
        req.on('error', reject);
        req.write('{"padding":"');
        const chunk = 'y'.repeat(512);
        let sent = 0;
        const more = () => {
          if (sent++ < 8) {
            req.write(chunk);
            setTimeout(more, 5);
          }
        };
        more();
      });
      assert.equal(status, 413);
      // A body under the limit still goes through.
      const ok = await fetch(`${small.url}/v1/alerts/gcp`, {
        method: 'POST',
        headers: { ...BEARER, ...JSON_TYPE },
        body: JSON.stringify({
          incident: { incident_id: '0.s', state: 'open', resource: { labels: { node_name: 'n' } } },
        }),
      });
      assert.equal(ok.status, 202);
    },
  );

  void it('answers 404 for an unknown path and 405 for a wrong method', async () => {
    assert.equal((await post('/v1/alerts/datadog', {})).status, 404);
    assert.equal((await fetch(`${receiver.url}/`)).status, 404);
    const get = await fetch(`${receiver.url}/v1/alerts/alertmanager`, { headers: BEARER });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.equal((await post('/healthz', {})).status, 405);
  });

  void it('refuses a bad SNS signature with 401 and a topic not allowed with 403', async () => {
    const signed = signer.sign(snsNotification());
    const tampered = {
      ...signed,
      Message: JSON.stringify({ ...JSON.parse(signed.Message as string), AlarmArn: 'x' }),
    };
    const res = await post('/v1/alerts/sns', tampered, { ...BASIC, ...SNS_TYPE });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { error: 'Signature: does not match the message' });
    const offHost = signer.sign({ ...snsNotification(), SigningCertURL: 'https://evil.example.com/c.pem' });
    assert.equal((await post('/v1/alerts/sns', offHost, { ...BASIC, ...SNS_TYPE })).status, 401);
    signer.fetched.length = 0;
    const other = signer.sign({
      ...snsNotification(),
      TopicArn: 'arn:aws:sns:eu-west-1:999999999999:elsewhere',
    });
    const forbidden = await post('/v1/alerts/sns', other, { ...BASIC, ...SNS_TYPE });
    assert.equal(forbidden.status, 403);
    assert.match(
      ((await forbidden.json()) as { error: string }).error,
      /elsewhere is not an allowed SNS topic/,
    );
    assert.deepEqual(signer.fetched, [], 'fetched something for a topic that is not allowed');
    assert.ok(!handedOff.some((a) => a.dedupeKey === 'x'));
  });

  void it('confirms an SNS subscription by GETting its SubscribeURL through fetchHttps', async () => {
    const confirmation = signer.sign(snsSubscriptionConfirmation(), '1');
    signer.fetched.length = 0;
    const res = await post('/v1/alerts/sns', confirmation, { ...BASIC, ...SNS_TYPE });
    assert.equal(res.status, 200);
    assert.deepEqual(signer.fetched, [confirmation.SubscribeURL]);
    // A forged confirmation is not followed.
    signer.fetched.length = 0;
    const forged = { ...confirmation, SubscribeURL: `${confirmation.SubscribeURL as string}&x=1` };
    assert.equal((await post('/v1/alerts/sns', forged, { ...BASIC, ...SNS_TYPE })).status, 401);
    assert.deepEqual(signer.fetched, []);
  });

  void it('answers 202 to an alert naming no node, machine or app, and logs it as ignored', async () => {
    const body = gcpBody();
    body.incident.incident_id = '0.no-subject';
    body.incident.resource = { type: 'global', labels: { project_id: 'acme-prod' } } as never;
    body.incident.metric.labels = {} as never;
    const res = await post('/v1/alerts/gcp', body);
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), { accepted: 0, ignored: 1 });
    const line = logs.find((l) => l.dedupeKey === '0.no-subject');
    assert.equal(line?.result, 'ignored');
    assert.equal(line?.msg, 'alert');
    await new Promise((r) => setTimeout(r, 30));
    assert.ok(!handedOff.some((a) => a.dedupeKey === '0.no-subject'), 'an ignored alert was handed off');
    // INSUFFICIENT_DATA says nothing about a machine either.
    const insufficient = JSON.parse(snsNotification().Message as string) as Record<string, unknown>;
    insufficient.NewStateValue = 'INSUFFICIENT_DATA';
    const sns = signer.sign(snsNotification(insufficient));
    const r2 = await post('/v1/alerts/sns', sns, { ...BASIC, ...SNS_TYPE });
    assert.equal(r2.status, 202);
    assert.deepEqual(await r2.json(), { accepted: 0, ignored: 0 });
  });

  void it('logs one line per alert with its fields, and never the credentials or the body', () => {
    const line = logs.find((l) => l.source === 'sns' && l.result === 'accepted');
    assert.deepEqual(
      { ...line, time: undefined },
      {
        time: undefined,
        msg: 'alert',
        source: 'sns',
        dedupeKey: ALARM_ARN,
        status: 'firing',
        instanceId: EC2_ID,
        name: 'node-status-check-i-0abc123def4567890',
        result: 'accepted',
      },
    );
    const all = JSON.stringify(logs);
    for (const secret of [TOKEN, PASSWORD, 'Threshold Crossed', 'has been NotReady'])
      assert.ok(!all.includes(secret), `the log holds ${secret}`);
  });

  void it('serves /healthz without credentials, and /metrics counters that move', async () => {
    const health = await fetch(`${receiver.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'ok\n');
    const accepted = 'kompox_webhook_alerts_total{source="alertmanager",result="accepted"}';
    const unauthorized = 'kompox_webhook_alerts_total{source="alertmanager",result="unauthorized"}';
    const code202 = 'kompox_webhook_requests_total{endpoint="alertmanager",code="202"}';
    const code401 = 'kompox_webhook_requests_total{endpoint="alertmanager",code="401"}';
    const before = await Promise.all([accepted, unauthorized, code202, code401].map(metric));
    assert.equal((await post('/v1/alerts/alertmanager', alertmanagerBody())).status, 202);
    assert.equal((await post('/v1/alerts/alertmanager', alertmanagerBody(), JSON_TYPE)).status, 401);
    const now = await Promise.all([accepted, unauthorized, code202, code401].map(metric));
    assert.deepEqual(now, [before[0]! + 1, before[1]! + 1, before[2]! + 1, before[3]! + 1]);
    const text = await (await fetch(`${receiver.url}/metrics`)).text();
    assert.match(text, /^# TYPE kompox_webhook_alerts_total counter$/m);
    assert.match(text, /^kompox_webhook_alerts_total\{source="alertmanager",result="resolved"\} [1-9]/m);
  });

  void it('refuses to start without credentials, except on loopback when explicitly allowed', async () => {
    const onAlert = async () => {};
    await assert.rejects(
      startWebhookReceiver({ host: '0.0.0.0', port: 0, onAlert, allowUnauthenticatedLoopback: true }),
      (e) =>
        e instanceof WebhookConfigError &&
        /refusing to listen on 0\.0\.0\.0 without credentials/.test(e.message),
    );
    await assert.rejects(
      startWebhookReceiver({ host: '127.0.0.1', port: 0, onAlert }),
      (e) => e instanceof WebhookConfigError && /no credentials configured/.test(e.message),
    );
    const got: NormalizedAlert[] = [];
    const open = await startWebhookReceiver({
      host: '127.0.0.1',
      port: 0,
      allowUnauthenticatedLoopback: true,
      onAlert: async (a) => void got.push(a),
      log: () => {},
    });
    try {
      const res = await fetch(`${open.url}/v1/alerts/gcp`, {
        method: 'POST',
        headers: JSON_TYPE,
        body: JSON.stringify(gcpBody()),
      });
      assert.equal(res.status, 202);
      await waitFor('the unauthenticated hand-off', () => got.length === 1);
    } finally {
      await open.close();
    }
  });
});
