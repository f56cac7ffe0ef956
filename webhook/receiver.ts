// The alert webhook receiver: Alertmanager, Azure Monitor, SNS (CloudWatch alarms) and Google
// Cloud Monitoring post alerts here; each is authenticated, checked and normalised, answered
// 202 at once, and handed off after the answer has gone, so a slow hand-off never makes a
// monitoring system time out and resend.
//   POST /v1/alerts/{alertmanager,azure,sns,gcp}   GET /healthz   GET /metrics
// /healthz and /metrics need no credentials: they say nothing about the alerts themselves.
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { ALERT_SOURCES, type AlertSource, type NormalizedAlert } from '../api/alert';
import { isLoopback } from '../client/codec/codec-server';
import { type WebhookCredentials, challenges, createAuthenticator, hasCredentials } from './credentials';
import type { AlertHandOff } from './hand-off';
import { InvalidAlertError, type JsonObject, isObject } from './invalid-alert';
import { type LabelMapping, defaultLabelMapping } from './label-mapping';
import { type AlertResult, WebhookMetrics } from './metrics';
import { BodyTooLargeError, readBody } from './read-body';
import { type FetchHttps, defaultFetchHttps, isSnsUrl } from './sns-https';
import { SnsSignatureError, createSnsVerifier } from './sns-signature';
import { normalizeAlertmanager } from './sources/alertmanager';
import { normalizeAzure } from './sources/azure';
import { normalizeGcp } from './sources/gcp';
import type { NormalizeContext } from './sources/normalize-context';
import { normalizeSns } from './sources/sns';

export const DEFAULT_MAX_BODY_BYTES = 1 << 20;

export interface WebhookReceiverOptions extends WebhookCredentials {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 9095; 0 picks a free port. */
  port?: number;
  onAlert: AlertHandOff;
  /** Accept alerts without credentials; only honoured on a loopback address. */
  allowUnauthenticatedLoopback?: boolean;
  /** Default 1 MiB. */
  maxBodyBytes?: number;
  /** SNS topics whose messages are accepted; with none, every SNS message is refused (403). */
  snsTopicArns?: readonly string[];
  /** Default: defaultLabelMapping(). */
  mapping?: LabelMapping;
  /** Fetches SNS signing certificates and SubscribeURLs; default: node's https, SNS hosts only. */
  fetchHttps?: FetchHttps;
  /** One JSON object per call; default: a line on stderr. */
  log?: (line: string) => void;
}

export interface RunningWebhookReceiver {
  url: string;
  close(): Promise<void>;
}

/** Options that would leave the receiver open to anyone, or unable to work. */
export class WebhookConfigError extends Error {}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly result?: AlertResult,
  ) {
    super(message);
  }
}

const JSON_TYPES = ['application/json'];
// SNS posts its JSON envelope as text/plain; charset=UTF-8.
const SNS_TYPES = ['text/plain', 'application/json'];

const NORMALIZERS: Record<
  Exclude<AlertSource, 'sns'>,
  (body: unknown, ctx: NormalizeContext) => NormalizedAlert[]
> = {
  alertmanager: normalizeAlertmanager,
  azure: normalizeAzure,
  gcp: normalizeGcp,
};

/** Without a node, a machine or an app there is nothing to fail over. */
const hasSubject = (a: NormalizedAlert): boolean => !!(a.node || a.instanceId || a.app);

const resultOf = (a: NormalizedAlert): AlertResult =>
  !hasSubject(a) ? 'ignored' : a.status === 'firing' ? 'accepted' : 'resolved';

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<RunningWebhookReceiver> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 9095;
  const credentials: WebhookCredentials = {
    ...(options.bearerToken ? { bearerToken: options.bearerToken } : {}),
    ...(options.basicAuth ? { basicAuth: options.basicAuth } : {}),
  };
  const open = !hasCredentials(credentials);
  if (open && !isLoopback(host))
    throw new WebhookConfigError(
      `refusing to listen on ${host} without credentials: anyone who can reach it could start a failover; configure a bearer token or basic auth`,
    );
  if (open && !options.allowUnauthenticatedLoopback)
    throw new WebhookConfigError(
      'no credentials configured: configure a bearer token or basic auth, or explicitly allow unauthenticated alerts on loopback',
    );
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0)
    throw new WebhookConfigError(`maxBodyBytes: expected a positive integer, got ${maxBodyBytes}`);

  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const emit = (fields: Record<string, unknown>) => {
    // A failing log sink must not take a request, or the process, down with it.
    try {
      log(JSON.stringify({ time: new Date().toISOString(), ...fields }));
    } catch {
      // Nowhere left to report it.
    }
  };
  const mapping = options.mapping ?? defaultLabelMapping();
  const topics = new Set(options.snsTopicArns ?? []);
  const fetchHttps = options.fetchHttps ?? defaultFetchHttps;
  const verifySns = createSnsVerifier(fetchHttps);
  const authenticate = createAuthenticator(credentials);
  const metrics = new WebhookMetrics();

  if (topics.size === 0)
    emit({ msg: 'no SNS topic allowed: POST /v1/alerts/sns refuses every message (403)' });
  else if (!open && !credentials.basicAuth)
    emit({
      msg: 'SNS can send only basic auth, and none is configured: every SNS message will be refused (401)',
    });

  const logAlert = (a: NormalizedAlert, result: AlertResult, extra: Record<string, unknown> = {}) =>
    emit({
      msg: 'alert',
      source: a.source,
      dedupeKey: a.dedupeKey,
      status: a.status,
      cluster: a.cluster,
      node: a.node,
      instanceId: a.instanceId,
      app: a.app,
      zone: a.zone,
      name: a.name,
      result,
      ...extra,
    });

  const handOff = async (alerts: NormalizedAlert[]): Promise<void> => {
    // One at a time, in the sender's order: a resolved notice must not overtake its firing one.
    for (const alert of alerts) {
      try {
        await options.onAlert(alert);
      } catch (err) {
        metrics.countAlert(alert.source, 'handoff_failed');
        logAlert(alert, 'handoff_failed', {
          error: oneLine(err instanceof Error ? err.message : String(err)),
        });
      }
    }
  };

  const parseJson = (body: Buffer): unknown => {
    try {
      return JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new HttpError(400, `body: not JSON: ${(err as Error).message}`, 'invalid');
    }
  };

  /** An SNS envelope: its topic allowed, its signature good; undefined when it carried no alert. */
  const snsAlerts = async (body: unknown, ctx: NormalizeContext, res: ServerResponse) => {
    if (!isObject(body)) throw new HttpError(400, 'body: expected an SNS message object', 'invalid');
    const topic = body.TopicArn;
    if (typeof topic !== 'string' || topic === '')
      throw new HttpError(400, 'TopicArn: expected a non-empty string', 'invalid');
    if (!topics.has(topic))
      throw new HttpError(403, `TopicArn: ${topic} is not an allowed SNS topic`, 'forbidden');
    try {
      await verifySns(body);
    } catch (err) {
      if (err instanceof SnsSignatureError) throw new HttpError(401, err.message, 'unauthorized');
      throw err;
    }
    if (body.Type === 'Notification') return normalizeSns(body, ctx);
    if (body.Type === 'SubscriptionConfirmation') await confirmSubscription(body, topic);
    else emit({ msg: 'SNS subscription ended', source: 'sns', topic, type: body.Type });
    metrics.countAlert('sns', 'confirmed');
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"confirmed":true}\n');
    return undefined;
  };

  const confirmSubscription = async (message: JsonObject, topic: string): Promise<void> => {
    const url = message.SubscribeURL;
    if (typeof url !== 'string' || !isSnsUrl(url))
      throw new HttpError(400, 'SubscribeURL: not an https URL on an SNS host', 'invalid');
    try {
      await fetchHttps(url);
    } catch (err) {
      throw new HttpError(502, oneLine(`SubscribeURL: confirming failed: ${(err as Error).message}`));
    }
    emit({ msg: 'SNS subscription confirmed', source: 'sns', topic });
  };

  const handleAlerts = async (
    source: AlertSource,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> => {
    const receivedAt = new Date().toISOString();
    if (!open && !authenticate(req.headers.authorization)) {
      res.setHeader('WWW-Authenticate', challenges(credentials));
      throw new HttpError(401, 'missing or wrong credentials', 'unauthorized');
    }
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const types = source === 'sns' ? SNS_TYPES : JSON_TYPES;
    if (!types.includes(mediaType))
      throw new HttpError(415, `Content-Type: expected ${types.join(' or ')}`, 'unsupported_media_type');
    let raw: Buffer;
    try {
      raw = await readBody(req, maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw new HttpError(413, err.message, 'too_large');
      throw err;
    }
    const body = parseJson(raw);
    const ctx: NormalizeContext = { mapping, receivedAt };
    let alerts: NormalizedAlert[] | undefined;
    try {
      alerts = source === 'sns' ? await snsAlerts(body, ctx, res) : NORMALIZERS[source](body, ctx);
    } catch (err) {
      if (err instanceof InvalidAlertError) throw new HttpError(400, err.message, 'invalid');
      throw err;
    }
    if (!alerts) return;

    const forward: NormalizedAlert[] = [];
    for (const alert of alerts) {
      const result = resultOf(alert);
      metrics.countAlert(source, result);
      logAlert(alert, result);
      if (result !== 'ignored') forward.push(alert);
    }
    if (alerts.length === 0) {
      metrics.countAlert(source, 'ignored');
      emit({ msg: 'alert', source, result: 'ignored', reason: 'the request carries no alert to act on' });
    }
    const answer = { accepted: forward.length, ignored: alerts.length - forward.length };
    res.writeHead(202, { 'Content-Type': 'application/json' });
    res.end(`${JSON.stringify(answer)}\n`, () => void handOff(forward));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://webhook').pathname;
    if (path === '/healthz' || path === '/metrics') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        throw new HttpError(405, `${path} takes GET`);
      }
      if (path === '/healthz') res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
      else res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(metrics.render());
      return;
    }
    const source = ALERT_SOURCES.find((s) => path === `/v1/alerts/${s}`);
    if (!source) throw new HttpError(404, `${path}: no such endpoint; alerts go to /v1/alerts/<source>`);
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      throw new HttpError(405, `${path} takes POST`);
    }
    await handleAlerts(source, req, res);
  };

  const endpointOf = (url: string | undefined): string => {
    const path = new URL(url ?? '/', 'http://webhook').pathname;
    if (path === '/healthz' || path === '/metrics') return path.slice(1);
    return ALERT_SOURCES.find((s) => path === `/v1/alerts/${s}`) ?? 'other';
  };

  const server = createServer((req, res) => {
    const endpoint = endpointOf(req.url);
    res.on('finish', () => metrics.countRequest(endpoint, res.statusCode));
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = oneLine(err instanceof Error ? err.message : String(err));
      if (err instanceof HttpError && err.result && endpoint !== 'other') {
        metrics.countAlert(endpoint, err.result);
        emit({ msg: 'alert request refused', source: endpoint, status, result: err.result, error: message });
      } else if (status === 500)
        emit({ msg: 'alert request failed', source: endpoint, status, error: message });
      if (res.headersSent) {
        res.end();
        return;
      }
      // A body that is still arriving is not read: the connection closes after the answer.
      if (status === 413) res.setHeader('Connection', 'close');
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(`${JSON.stringify({ error: message })}\n`, () => {
        if (status === 413) req.destroy();
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const boundPort = typeof addr === 'object' && addr ? addr.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  emit({ msg: 'webhook receiver listening', url: `http://${urlHost}:${boundPort}`, authenticated: !open });
  return {
    url: `http://${urlHost}:${boundPort}`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
