// The dev/test Kubernetes control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler
// and kwok on loopback, with simulated nodes in several zones.
export { startCluster, type StartClusterOptions } from './start';
export { stopCluster, type StopResult } from './stop';
export { clusterStatus, type ClusterStatus, type ComponentStatus } from './status';
export {
  failNode,
  recoverNode,
  NOT_READY_LABEL,
  type NodeFailureMode,
  type NodeFaultOptions,
  type NodeFaultResult,
} from './node-fault';
export { ensureBinaries, defaultBinDir, K8S_VERSION, ETCD_VERSION, KWOK_VERSION } from './binaries';
export { KWOK_MANAGED_LABEL, DEFAULT_TIMING, type Timing } from './components';
export { DEFAULT_LAYOUT, nodeName, regionOfZone, type NodeLayout } from './nodes';
export { COMPONENTS, type ClusterInfo, type ClusterPorts, type Component } from './layout';
export { readClusterInfo } from './state';
export {
  findRealNode,
  importImageIntoRealNode,
  failRealNodeOf,
  powerOffRealNode,
  recoverRealNodeOf,
  type RealNodesInfo,
} from './real-nodes/real-nodes';
export { REAL_NODE_POOL, type RealNodeFailure, type RealNodeSpec } from './real-nodes/real-node';
export { DEV_KOMPOXOPS_IMAGE, ensureKompoxopsImage } from './real-nodes/kompoxops-image';
export { exposeHostPort } from './real-nodes/host-port-relay';
export { waitForNodeReady, readNodeHealth } from '../../kube/node-conditions';
export { loadKubeConfig } from '../../kube/kubeconfig';
export { readAuditLog, type AuditEvent } from './audit';
