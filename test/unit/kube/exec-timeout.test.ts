// A hook command that never finishes: the real exec client against a loopback endpoint that
// accepts the exec stream and never answers (kwok pods cannot exec). The exec fails at its limit
// with ExecTimeoutError, closes its stream, and the hook fails for good as HookTimeout.
import { KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { execHookCommand } from '../../../activities/hook-exec';
import { ExecTimeoutError, execInContainer } from '../../../kube/exec';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Accepts every exec upgrade, sends nothing, and records when the client ends the stream. */
function silentExecEndpoint(): { server: Server; opened: string[]; closed: string[] } {
  const opened: string[] = [];
  const closed: string[] = [];
  const server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket) => {
    const key = String(req.headers['sec-websocket-key']);
    const protocol =
      String(req.headers['sec-websocket-protocol'] ?? '')
        .split(',')[0]
        ?.trim() ?? '';
    const accept = createHash('sha1')
      .update(key + WS_GUID)
      .digest('base64');
    socket.write(
      [
        'HTTP/1.1 101 Switching Protocols',
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Accept: ${accept}`,
        ...(protocol ? [`Sec-WebSocket-Protocol: ${protocol}`] : []),
        '',
        '',
      ].join('\r\n'),
    );
    const url = req.url ?? '';
    opened.push(url);
    // A close frame (opcode 8) from the client, or the connection dropping, ends the stream.
    let done = false;
    const end = () => {
      if (!done) closed.push(url);
      done = true;
    };
    socket.on('data', (frame: Buffer) => {
      if (((frame[0] ?? 0) & 0x0f) === 0x8) end();
    });
    socket.on('close', end);
    socket.on('error', () => undefined);
  });
  return { server, opened, closed };
}

void describe('exec timeout', () => {
  const endpoint = silentExecEndpoint();
  const kc = new KubeConfig();
  const target = { namespace: 'shop', pod: 'shop-app-0', container: 'db' };
  const command = ['sh', '-c', 'sleep infinity'];

  before(async () => {
    await new Promise<void>((resolve) => endpoint.server.listen(0, '127.0.0.1', resolve));
    const { port } = endpoint.server.address() as AddressInfo;
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
  });
  after(() => {
    endpoint.server.closeAllConnections();
    endpoint.server.close();
  });

  const waitClosed = async (count: number) => {
    for (let i = 0; i < 100 && endpoint.closed.length < count; i++)
      await new Promise((r) => setTimeout(r, 20));
  };

  void it('fails with ExecTimeoutError naming the command and the limit, and closes the stream', async () => {
    const started = Date.now();
    const err = await execInContainer(kc, target, command, 700).then(
      () => assert.fail('the exec never answers, so it must time out'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ExecTimeoutError, String(err));
    assert.deepEqual(err.command, command);
    assert.equal(err.timeoutMs, 700);
    assert.match(
      err.message,
      /\["sh","-c","sleep infinity"\] in shop\/shop-app-0\/db did not finish within 700ms/,
    );
    assert.ok(Date.now() - started >= 690 && Date.now() - started < 5000);
    assert.equal(endpoint.opened.length, 1, 'the exec stream was never opened');
    assert.match(endpoint.opened[0] ?? '', /\/api\/v1\/namespaces\/shop\/pods\/shop-app-0\/exec\?/);
    await waitClosed(1);
    assert.equal(endpoint.closed.length, 1, 'the exec stream was left open after the timeout');
  });

  void it('a hook that times out fails as a non-retryable HookTimeout that says which limit to raise', async () => {
    const err = await execHookCommand(kc, target, command, 1).then(
      () => assert.fail('the exec never answers, so the hook must time out'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.type, 'HookTimeout');
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, /sleep infinity.*did not finish within 1s/);
    assert.match(err.message, /spec\.snapshots\.hook\.timeoutSeconds \(now 1\)/);
    await waitClosed(2);
    assert.equal(endpoint.closed.length, 2);
  });
});
