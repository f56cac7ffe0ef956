// Stops every process a cluster dir started, newest first (kwok … etcd), by the pids in its pid files:
// SIGTERM, a grace period, then SIGKILL. Nothing else is touched, and no port is left listening.
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { clusterPaths, Component, componentIdentity, COMPONENTS } from './layout';
import { isListening } from './ports';
import { readPidFile, removePidFile, stopProcess } from './process';
import { readClusterInfo } from './state';
import { removeRealNodes } from './real-nodes/real-nodes';
import { stopCsiStack } from './csi/csi-stack';

export interface StopResult {
  dir: string;
  stopped: { component: Component; pid: number; how: 'terminated' | 'killed' | 'absent' }[];
}

export async function stopCluster(dirIn: string, opts: { graceMs?: number } = {}): Promise<StopResult> {
  const dir = resolve(dirIn);
  const paths = clusterPaths(dir);
  const stopped: StopResult['stopped'] = [];
  // Nodes first, while the apiserver still answers their last calls.
  await removeRealNodes(dir);
  await stopCsiStack(dir);
  for (const component of [...COMPONENTS].reverse()) {
    const pidFile = paths.pidFile(component);
    const pid = readPidFile(pidFile);
    if (pid === undefined) continue;
    const how = await stopProcess(pid, componentIdentity(component, dir), opts.graceMs ?? 10_000);
    removePidFile(pidFile);
    stopped.push({ component, pid, how });
  }
  // A process can be gone a moment before the kernel closes its listening sockets.
  const ports = Object.values(readClusterInfo(dir)?.ports ?? {});
  let listening: number[] = [];
  for (let i = 0; i < 20; i++) {
    listening = (await Promise.all(ports.map(async (p) => ((await isListening(p)) ? p : 0)))).filter(
      (p) => p,
    );
    if (listening.length === 0) break;
    await sleep(250);
  }
  if (listening.length > 0) {
    throw new Error(
      `cluster in ${dir} stopped, but ports ${listening.join(', ')} still listen (another process took them?)`,
    );
  }
  return { dir, stopped };
}
