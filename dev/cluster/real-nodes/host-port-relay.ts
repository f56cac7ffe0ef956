// A port of the machine's loopback (a Temporal server, say) made reachable from every real node and
// pod: nothing in a node's namespace reaches the machine's loopback otherwise, and the dev stack's
// servers listen only there. Two relays, as for the apiserver: one on the node network's gateway
// in the bridge's namespace, one in the root namespace, joined by a Unix socket. They run until
// the real nodes are removed.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, sep } from 'node:path';
import { pollUntil } from '../../../kube/poll';
import { isOurProcess, readPidFile, removePidFile, spawnDetached, stopProcess } from '../process';
import { bridgeNetns, netnsPath, NODE_NETWORK_GATEWAY } from './node-network';
import { realNodePrefix } from './real-nodes';

const PREFIX = 'host-port-';
const runDir = (clusterDir: string): string => join(clusterDir, 'run');
const pidFile = (clusterDir: string, port: number, end: 'host' | 'gateway'): string =>
  join(runDir(clusterDir), `${PREFIX}${port}-${end}.pid`);
const relayId = (clusterDir: string) => ({ executable: 'node', marker: `${clusterDir}${sep}` });

/** Relays the machine's 127.0.0.1:`hostPort` to <node network gateway>:`port`; returns that address. */
export async function exposeHostPort(clusterDir: string, hostPort: number, port: number): Promise<string> {
  const socket = join(runDir(clusterDir), `${PREFIX}${port}.sock`);
  const script = join(__dirname, 'socket-relay.js');
  const address = `${NODE_NETWORK_GATEWAY}:${port}`;
  const argv = {
    host: [process.execPath, script, 'forward', `unix:${socket}`, `tcp:127.0.0.1:${hostPort}`],
    gateway: [
      'nsenter',
      `--net=${netnsPath(bridgeNetns(realNodePrefix(clusterDir)))}`,
      '--',
      process.execPath,
      script,
      'forward',
      `tcp:${address}`,
      `unix:${socket}`,
    ],
  };
  for (const end of ['host', 'gateway'] as const) {
    const pid = readPidFile(pidFile(clusterDir, port, end));
    if (pid !== undefined && isOurProcess(pid, relayId(clusterDir)))
      await stopProcess(pid, relayId(clusterDir), 2000);
  }
  rmSync(socket, { force: true });
  for (const end of ['host', 'gateway'] as const) {
    const [bin, ...args] = argv[end];
    spawnDetached(bin!, args, {
      log: join(clusterDir, 'logs', `${PREFIX}${port}-${end}.log`),
      pid: pidFile(clusterDir, port, end),
      cwd: clusterDir,
    });
  }
  await pollUntil(
    `the relay of 127.0.0.1:${hostPort} to ${address}`,
    async () => (existsSync(socket) ? true : undefined),
    { timeoutMs: 10_000, intervalMs: 100 },
  );
  return address;
}

/** Stops every host port relay of the cluster and removes their sockets. */
export async function stopHostPortRelays(clusterDir: string): Promise<void> {
  const run = runDir(clusterDir);
  for (const f of existsSync(run) ? readdirSync(run).filter((f) => f.startsWith(PREFIX)) : []) {
    if (f.endsWith('.pid')) {
      const pid = readPidFile(join(run, f));
      if (pid !== undefined) await stopProcess(pid, relayId(clusterDir), 2000);
      removePidFile(join(run, f));
    } else rmSync(join(run, f), { force: true });
  }
}
