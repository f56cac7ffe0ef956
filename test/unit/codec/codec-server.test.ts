// The codec server over real HTTP: Temporal's remote codec protocol, CORS for the Web UI's
// origin only, and a bearer token when one is set.
import { defaultPayloadConverter } from '@temporalio/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type RunningCodecServer,
  isLoopback,
  parseListen,
  startCodecServer,
} from '../../../client/codec/codec-server';
import { EncryptionCodec } from '../../../client/codec/encryption-codec';
import { generateCodecKey } from '../../../client/codec/generate-key';
import { formatKey, parseKeyRing } from '../../../client/codec/key-ring';

const UI = 'http://127.0.0.1:8233';
const codec = new EncryptionCodec(parseKeyRing(formatKey(generateCodecKey('srv')), 'test'));

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const jsonPayload = (v: unknown) => {
  const p = defaultPayloadConverter.toPayload(v);
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata!).map(([k, b]) => [k, Buffer.from(b!).toString('base64')]),
    ),
    data: Buffer.from(p.data!).toString('base64'),
  };
};

describe('codec server', () => {
  let open: RunningCodecServer;
  let locked: RunningCodecServer;
  before(async () => {
    open = await startCodecServer({ host: '127.0.0.1', port: 0, codec, corsOrigins: [UI] });
    locked = await startCodecServer({ host: '127.0.0.1', port: 0, codec, token: 's3cret' });
  });
  after(async () => {
    await open?.close();
    await locked?.close();
  });

  it('encodes and decodes proto-JSON payloads', async () => {
    const enc = await post(`${open.url}/encode`, { payloads: [jsonPayload({ a: 'value-1' })] });
    assert.equal(enc.status, 200);
    const encoded = (await enc.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    assert.equal(
      Buffer.from(encoded.payloads[0]!.metadata.encoding!, 'base64').toString(),
      'binary/encrypted',
    );
    assert.ok(!Buffer.from(encoded.payloads[0]!.data, 'base64').includes('value-1'));
    const dec = await post(`${open.url}/decode`, encoded);
    assert.equal(dec.status, 200);
    const decoded = (await dec.json()) as { payloads: { data: string }[] };
    assert.equal(Buffer.from(decoded.payloads[0]!.data, 'base64').toString(), '{"a":"value-1"}');
  });

  it('answers the Web UI preflight and refuses other origins', async () => {
    const pre = await fetch(`${open.url}/decode`, {
      method: 'OPTIONS',
      headers: { origin: UI, 'access-control-request-headers': 'content-type,x-namespace' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), UI);
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /x-namespace/);
    const evil = await post(`${open.url}/decode`, { payloads: [] }, { origin: 'http://evil.example' });
    assert.equal(evil.status, 403);
    assert.match(await evil.text(), /evil\.example is not allowed/);
  });

  it('reports a payload it cannot decode, and malformed requests', async () => {
    const other = new EncryptionCodec(parseKeyRing(formatKey(generateCodecKey('elsewhere')), 'x'));
    const [p] = await other.encode([defaultPayloadConverter.toPayload(1)]);
    const body = {
      payloads: [
        {
          metadata: Object.fromEntries(
            Object.entries(p!.metadata!).map(([k, b]) => [k, Buffer.from(b!).toString('base64')]),
          ),
          data: Buffer.from(p!.data!).toString('base64'),
        },
      ],
    };
    const res = await post(`${open.url}/decode`, body);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /codec key "elsewhere"/);
    assert.equal((await post(`${open.url}/decode`, { nope: 1 })).status, 400);
    assert.equal((await post(`${open.url}/other`, { payloads: [] })).status, 404);
    const plain = await fetch(`${open.url}/decode`, { method: 'POST', body: '{"payloads":[]}' });
    assert.equal(plain.status, 415);
  });

  it('requires the bearer token when one is set', async () => {
    assert.equal((await post(`${locked.url}/decode`, { payloads: [] })).status, 401);
    assert.equal(
      (await post(`${locked.url}/decode`, { payloads: [] }, { authorization: 'Bearer wrong' })).status,
      401,
    );
    assert.equal(
      (await post(`${locked.url}/decode`, { payloads: [] }, { authorization: 'Bearer s3cret' })).status,
      200,
    );
  });

  it('parses listen addresses and knows loopback', () => {
    assert.deepEqual(parseListen('127.0.0.1:8888'), { host: '127.0.0.1', port: 8888 });
    assert.deepEqual(parseListen('[::1]:9'), { host: '::1', port: 9 });
    assert.equal(parseListen('8888'), undefined);
    assert.equal(parseListen('h:99999'), undefined);
    assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('localhost'));
    assert.ok(!isLoopback('0.0.0.0') && !isLoopback('10.0.0.1') && !isLoopback('example.com'));
  });
});
