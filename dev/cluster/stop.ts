// Stops every process a cluster dir started, newest first (kwok … etcd), by the pids in its pid files:
// SIGTERM, a grace period, then SIGKILL. Nothing else is touched, and no port is left listening.
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { clusterPaths, Component, componentIdentity, COMPONENTS } from './layout';
import { portOwners } from './port-owners';
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
  // A process can be gone a moment before the kernel closes its listening sockets. A port
  // released early may be bound again by another process (a test beside this one): only a
  // listener of this cluster's own is a failure.
  const ports = Object.values(readClusterInfo(dir)?.ports ?? {});
  const marker = componentIdentity(COMPONENTS[0], dir).marker;
  let ours: string[] = [];
  for (let i = 0; i < 20; i++) {
    ours = (
      await Promise.all(
        ports.map(async (port) => {
          const owners = portOwners(port);
          // Without procfs, any listener counts.
          if (owners === undefined) return (await isListening(port)) ? [`${port}`] : [];
          return owners
            .filter((o) => o.command.includes(marker))
            .map((o) => `${port} (pid ${o.pid}: ${o.command})`);
        }),
      )
    ).flat();
    if (ours.length === 0) break;
    await sleep(250);
  }
  if (ours.length > 0)
    throw new Error(`cluster in ${dir} stopped, but its processes still listen on ports ${ours.join(', ')}`);
  return { dir, stopped };
}
