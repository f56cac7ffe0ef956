import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { freePorts, preferredPort } from '../../../dev/cluster/ports';

const ephemeralStart = Number(
  readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
);

test('free ports are distinct, bindable and below the range the kernel hands out by itself', async () => {
  const ports = await freePorts(8);
  assert.equal(new Set(ports).size, 8);
  for (const port of ports) {
    assert.ok(port >= 10000 && port < ephemeralStart, `${port} is outside [10000, ${ephemeralStart})`);
    await new Promise<void>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
    });
  }
});

test('a preferred port that is taken is replaced by a free one', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const taken = (server.address() as { port: number }).port;
  try {
    const port = await preferredPort(taken);
    assert.notEqual(port, taken);
    const [free] = await freePorts(1);
    assert.equal(await preferredPort(free!), free);
  } finally {
    server.close();
  }
});
