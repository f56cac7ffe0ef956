// Command lines of the five control-plane processes, all bound to 127.0.0.1.
import { ClusterPki } from './pki';
import { auditArgs } from './audit';
import { ClusterPorts, Component } from './layout';

/** Label kwok selects the nodes it simulates by; removing it makes a node's "kubelet" go silent. */
export const KWOK_MANAGED_LABEL = 'kompox.dev/kwok-managed';

export interface Timing {
  /** How long kwok's node Leases last; kwok renews them every quarter of this. */
  nodeLeaseSeconds: number;
  /** How long the node lifecycle controller waits for a silent node before Ready=Unknown. */
  nodeMonitorGraceSeconds: number;
}

export const DEFAULT_TIMING: Timing = { nodeLeaseSeconds: 10, nodeMonitorGraceSeconds: 16 };

export interface ComponentContext {
  ports: ClusterPorts;
  pki: ClusterPki;
  kubeconfig: string;
  etcdData: string;
  stages: string;
  timing: Timing;
  /** Set when real nodes run: how the apiserver reaches their kubelets. */
  nodeAccess?: { kubeletClientCert: string; kubeletClientKey: string; egressConfig: string };
  /** Set when the apiserver keeps an audit log of ServiceAccounts' requests. */
  audit?: { policyFile: string; logFile: string };
}

export function componentArgs(c: Component, x: ComponentContext): string[] {
  const loopback = (port: number): string => `http://127.0.0.1:${port}`;
  // KCM and the scheduler also use the admin kubeconfig to check who calls their own /healthz.
  const delegated = [
    `--kubeconfig=${x.kubeconfig}`,
    `--authentication-kubeconfig=${x.kubeconfig}`,
    `--authorization-kubeconfig=${x.kubeconfig}`,
    '--bind-address=127.0.0.1',
    '--leader-elect=false',
  ];
  switch (c) {
    case 'etcd':
      return [
        '--name=kompox-dev',
        `--data-dir=${x.etcdData}`,
        `--listen-client-urls=${loopback(x.ports.etcdClient)}`,
        `--advertise-client-urls=${loopback(x.ports.etcdClient)}`,
        `--listen-peer-urls=${loopback(x.ports.etcdPeer)}`,
        `--initial-advertise-peer-urls=${loopback(x.ports.etcdPeer)}`,
        `--initial-cluster=kompox-dev=${loopback(x.ports.etcdPeer)}`,
        // Throwaway data: skip fsync, keep history short.
        '--unsafe-no-fsync',
        '--auto-compaction-mode=periodic',
        '--auto-compaction-retention=5m',
        '--quota-backend-bytes=2147483648',
        '--log-level=warn',
      ];
    case 'kube-apiserver':
      return [
        `--etcd-servers=${loopback(x.ports.etcdClient)}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${x.ports.apiServer}`,
        // Without a default route the apiserver cannot pick an address to advertise by itself.
        '--advertise-address=127.0.0.1',
        // Loopback is not a valid endpoint of the "kubernetes" Service; don't try to publish it.
        '--endpoint-reconciler-type=none',
        `--tls-cert-file=${x.pki.serverCert}`,
        `--tls-private-key-file=${x.pki.serverKey}`,
        `--client-ca-file=${x.pki.caCert}`,
        `--token-auth-file=${x.pki.tokensCsv}`,
        '--authorization-mode=Node,RBAC',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${x.pki.saKey}`,
        `--service-account-signing-key-file=${x.pki.saKey}`,
        '--service-cluster-ip-range=10.96.0.0/16',
        '--allow-privileged=true',
        '--enable-priority-and-fairness=false',
        '--profiling=false',
        // Kubelets may only touch their own Node and the pods bound to it.
        '--enable-admission-plugins=NodeRestriction',
        ...(x.nodeAccess
          ? [
              `--kubelet-client-certificate=${x.nodeAccess.kubeletClientCert}`,
              `--kubelet-client-key=${x.nodeAccess.kubeletClientKey}`,
              // Real nodes have no name in DNS: dial their address, through the egress proxy.
              '--kubelet-preferred-address-types=InternalIP,Hostname',
              `--egress-selector-config-file=${x.nodeAccess.egressConfig}`,
            ]
          : []),
        ...(x.audit ? auditArgs(x.audit.policyFile, x.audit.logFile) : []),
      ];
    case 'kube-controller-manager':
      return [
        ...delegated,
        `--secure-port=${x.ports.controllerManager}`,
        `--service-account-private-key-file=${x.pki.saKey}`,
        `--root-ca-file=${x.pki.caCert}`,
        '--controllers=*',
        // Notice silent nodes within seconds instead of the default 50 s.
        '--node-monitor-period=2s',
        `--node-monitor-grace-period=${x.timing.nodeMonitorGraceSeconds}s`,
        '--profiling=false',
      ];
    case 'kube-scheduler':
      return [...delegated, `--secure-port=${x.ports.scheduler}`, '--profiling=false'];
    case 'kwok':
      return [
        `--kubeconfig=${x.kubeconfig}`,
        `--config=${x.stages}`,
        `--manage-nodes-with-label-selector=${KWOK_MANAGED_LABEL}=true`,
        `--node-lease-duration-seconds=${x.timing.nodeLeaseSeconds}`,
        // Pod IPs; the default 10.0.0.0/24 is tiny.
        '--cidr=10.244.0.0/16',
        '--node-ip=127.0.0.1',
        `--server-address=127.0.0.1:${x.ports.kwok}`,
      ];
  }
}

/** URL that answers 200 once the component is up (plain http for etcd and kwok, https otherwise). */
export function healthUrl(c: Component, ports: ClusterPorts): string {
  switch (c) {
    case 'etcd':
      return `http://127.0.0.1:${ports.etcdClient}/health`;
    case 'kube-apiserver':
      return `https://127.0.0.1:${ports.apiServer}/readyz`;
    case 'kube-controller-manager':
      return `https://127.0.0.1:${ports.controllerManager}/healthz`;
    case 'kube-scheduler':
      return `https://127.0.0.1:${ports.scheduler}/healthz`;
    case 'kwok':
      return `http://127.0.0.1:${ports.kwok}/healthz`;
  }
}
