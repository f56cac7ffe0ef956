// Where a dev cluster keeps its files. Everything lives under one directory, so `stopCluster(dir)`
// and `rm -rf dir` are the whole cleanup.
import { join, sep } from 'node:path';
import type { ProcessIdentity } from './process';
import type { RealNodesInfo } from './real-nodes/real-nodes';

/** Control-plane processes in start order; they are stopped in the reverse order. */
export const COMPONENTS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
] as const;
export type Component = (typeof COMPONENTS)[number];

export interface ClusterPorts {
  etcdClient: number;
  etcdPeer: number;
  apiServer: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

/** What a started cluster recorded in `<dir>/cluster.json`. */
export interface ClusterInfo {
  dir: string;
  kubeconfigPath: string;
  apiServerUrl: string;
  pids: Record<Component, number>;
  ports: ClusterPorts;
  /** Where the binaries came from. */
  binDir: string;
  region: string;
  zones: string[];
  nodes: string[];
  /** Real nodes (kubelet + containerd), when started with some. */
  realNodes?: RealNodesInfo;
  startedAt: string;
}

/** Recognises a component's process by pid: its executable, with a path inside `dir` in its arguments. */
export function componentIdentity(c: Component, dir: string): ProcessIdentity {
  return { executable: c, marker: `${dir}${sep}` };
}

export function clusterPaths(dir: string) {
  return {
    state: join(dir, 'cluster.json'),
    kubeconfig: join(dir, 'kubeconfig'),
    lock: join(dir, 'start.lock'),
    pki: join(dir, 'pki'),
    etcdData: join(dir, 'etcd-data'),
    stages: join(dir, 'kwok-stages.yaml'),
    auditPolicy: join(dir, 'audit-policy.yaml'),
    auditLog: join(dir, 'logs', 'audit.log'),
    pidFile: (c: Component) => join(dir, 'run', `${c}.pid`),
    logFile: (c: Component) => join(dir, 'logs', `${c}.log`),
  };
}
