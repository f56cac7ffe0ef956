import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { portOwners } from '../../../dev/cluster/port-owners';
import { freePorts } from '../../../dev/cluster/ports';

test('portOwners finds the process listening on a port, and nobody once it is closed', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const owners = portOwners(port);
  assert.ok(owners, 'procfs is readable on Linux');
  assert.deepEqual(
    owners.map((o) => o.pid),
    [process.pid],
  );
  assert.match(owners[0]!.command, /node/);
  await new Promise<void>((r) => server.close(() => r()));
  assert.deepEqual(portOwners(port), []);
  const [free] = await freePorts(1);
  assert.deepEqual(portOwners(free!), []);
});
