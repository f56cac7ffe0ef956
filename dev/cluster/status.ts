// What is running for a cluster dir, judged from its pid files, and whether the apiserver answers.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { probe } from './health';
import { ClusterInfo, clusterPaths, Component, componentIdentity, COMPONENTS } from './layout';
import { isOurProcess, readPidFile } from './process';
import { readClusterInfo } from './state';

export interface ComponentStatus {
  component: Component;
  pid?: number;
  alive: boolean;
  /** Resident memory in bytes (Linux only). */
  rssBytes?: number;
  logFile: string;
}

function rssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface ClusterStatus {
  dir: string;
  /** running: every process alive and the apiserver ready; degraded: some alive; stopped: none. */
  state: 'running' | 'degraded' | 'stopped';
  apiServerReady: boolean;
  components: ComponentStatus[];
  /** The record of the last completed start, if any. */
  info?: ClusterInfo;
}

export function componentStatuses(dir: string): ComponentStatus[] {
  const paths = clusterPaths(dir);
  return COMPONENTS.map((component) => {
    const pid = readPidFile(paths.pidFile(component));
    const alive = pid !== undefined && isOurProcess(pid, componentIdentity(component, dir));
    return {
      component,
      pid,
      alive,
      rssBytes: alive && pid ? rssBytes(pid) : undefined,
      logFile: paths.logFile(component),
    };
  });
}

export async function clusterStatus(dirIn: string): Promise<ClusterStatus> {
  const dir = resolve(dirIn);
  const components = componentStatuses(dir);
  const info = readClusterInfo(dir);
  const aliveCount = components.filter((c) => c.alive).length;
  let apiServerReady = false;
  if (info && components.find((c) => c.component === 'kube-apiserver')?.alive) {
    const ca = readFileSync(`${clusterPaths(dir).pki}/ca.crt`);
    apiServerReady = (await probe(`${info.apiServerUrl}/readyz`, ca)) === 200;
  }
  const state =
    aliveCount === COMPONENTS.length && apiServerReady
      ? 'running'
      : aliveCount === 0
        ? 'stopped'
        : 'degraded';
  return { dir, state, apiServerReady, components, info };
}
