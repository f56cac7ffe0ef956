// The dev cluster's CSI storage stack, run as processes against its apiserver: Kompox's dev CSI
// plugin (csi-plugin.ts) with the Kubernetes sidecars external-provisioner, external-attacher and
// csi-snapshotter, the snapshot-controller and the VolumeSnapshot CRDs; a CSIDriver that needs
// attaching, and default StorageClass and VolumeSnapshotClass objects.
//
// The attach/detach controller then creates real VolumeAttachments for pods on any node. kwok
// nodes run no kubelet, so the stack writes their CSINode objects itself (a kubelet would, on
// registering the plugin); real nodes get a node plugin each, which registers with its kubelet.
import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { applyObject } from '../../../kube/apply';
import { pollUntil } from '../../../kube/poll';
import {
  isOurProcess,
  logTail,
  ProcessIdentity,
  readPidFile,
  removePidFile,
  spawnDetached,
  stopProcess,
} from '../process';
import { CSI_DRIVER_NAME, ZONE_KEY } from './csi-plugin';
import type { CsiTools } from './csi-tools';

export const CSI_STORAGE_CLASS = 'kompox-local-csi';
export const CSI_SNAPSHOT_CLASS = 'kompox-local-csi';

const PROCESSES = [
  'csi-plugin',
  'csi-provisioner',
  'csi-attacher',
  'csi-snapshotter',
  'snapshot-controller',
] as const;
type CsiProcess = (typeof PROCESSES)[number];

export const csiStateDir = (clusterDir: string): string => join(clusterDir, 'csi');
export const csiControllerSocket = (clusterDir: string): string => join(clusterDir, 'run', 'csi.sock');
const pidFile = (dir: string, p: CsiProcess): string => join(dir, 'run', `${p}.pid`);
const logFile = (dir: string, p: CsiProcess): string => join(dir, 'logs', `${p}.log`);
const identity = (dir: string, p: CsiProcess): ProcessIdentity => ({
  executable: p === 'csi-plugin' ? 'node' : p,
  marker: `${dir}${sep}`,
});

function argv(p: CsiProcess, dir: string, tools: CsiTools, kubeconfig: string): string[] {
  const sock = csiControllerSocket(dir);
  // Sidecars outside a cluster: the admin kubeconfig, no leader election, our socket. A failed
  // step (an update conflict on a loaded machine) is retried within seconds, not after the
  // default backoff of up to 5 minutes.
  const retry = ['--retry-interval-max=5s'];
  const sidecar = [
    `--kubeconfig=${kubeconfig}`,
    '--leader-election=false',
    `--csi-address=${sock}`,
    '--timeout=60s',
    ...retry,
  ];
  // The snapshot pair also looks at every object again every 30 s (default 15 min), so a watch
  // event lost under load cannot leave a VolumeSnapshot's deletion waiting.
  const resync = '--resync-period=30s';
  switch (p) {
    case 'csi-plugin':
      return [
        process.execPath,
        join(__dirname, 'csi-plugin.js'),
        'controller',
        '--endpoint',
        sock,
        '--state',
        csiStateDir(dir),
        '--csi-proto',
        tools.csiProto,
      ];
    case 'csi-provisioner':
      return [
        join(tools.binDir, p),
        ...sidecar,
        // Volumes are provisioned in the zone of the node the scheduler picked.
        '--feature-gates=Topology=true',
        '--extra-create-metadata',
      ];
    case 'csi-attacher':
      return [join(tools.binDir, p), ...sidecar];
    case 'csi-snapshotter':
      return [join(tools.binDir, p), ...sidecar, '--extra-create-metadata', resync];
    case 'snapshot-controller':
      // Group snapshots are on by default; without their CRDs the controller waits ~30 s for them.
      return [
        join(tools.binDir, p),
        `--kubeconfig=${kubeconfig}`,
        '--leader-election=false',
        '--feature-gates=CSIVolumeGroupSnapshot=false',
        ...retry,
        resync,
      ];
  }
}

// As long as the control plane's own components get: on a machine busy with other clusters a
// plugin's start (Node loading gRPC and the protos) took over 30 s.
const READY_TIMEOUT_MS = 120_000;

function alive(dir: string, p: CsiProcess): number | undefined {
  const pid = readPidFile(pidFile(dir, p));
  return pid !== undefined && isOurProcess(pid, identity(dir, p)) ? pid : undefined;
}

/** The cluster-wide objects: snapshot CRDs, CSIDriver, default classes. */
async function applyStorageObjects(kc: KubeConfig, tools: CsiTools): Promise<void> {
  for (const file of readdirSync(tools.crdDir).filter((f) => f.endsWith('.yaml')))
    for (const doc of parseAllDocuments(readFileSync(join(tools.crdDir, file), 'utf8'))) {
      const obj = doc.toJS() as { kind?: string } | null;
      if (obj?.kind === 'CustomResourceDefinition') await applyObject(kc, obj as never);
    }
  await applyObject(kc, {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'CSIDriver',
    metadata: { name: CSI_DRIVER_NAME },
    spec: { attachRequired: true, podInfoOnMount: false, volumeLifecycleModes: ['Persistent'] },
  });
  await applyObject(kc, {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: CSI_STORAGE_CLASS,
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
    provisioner: CSI_DRIVER_NAME,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  });
  // The CRD has just been created: its API may take a moment to be served.
  await pollUntil(
    'the VolumeSnapshotClass API',
    async () =>
      applyObject(kc, {
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshotClass',
        metadata: {
          name: CSI_SNAPSHOT_CLASS,
          annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' },
        },
        driver: CSI_DRIVER_NAME,
        deletionPolicy: 'Delete',
      } as never).then(
        () => true,
        () => undefined,
      ),
    { timeoutMs: READY_TIMEOUT_MS, intervalMs: 300 },
  );
}

/** CSINode objects for kwok nodes, as a kubelet writes them when the node plugin registers. */
export async function registerKwokNodes(kc: KubeConfig, nodes: string[]): Promise<void> {
  for (const name of nodes)
    await applyObject(kc, {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'CSINode',
      metadata: { name },
      spec: { drivers: [{ name: CSI_DRIVER_NAME, nodeID: name, topologyKeys: [ZONE_KEY] }] },
    });
}

/** Starts what is not running yet and applies the objects; returns once the plugin answers. */
export async function startCsiStack(
  dir: string,
  tools: CsiTools,
  kc: KubeConfig,
  kubeconfig: string,
  kwokNodes: string[],
): Promise<void> {
  await applyStorageObjects(kc, tools);
  await registerKwokNodes(kc, kwokNodes);
  for (const p of PROCESSES) {
    if (alive(dir, p) !== undefined) continue;
    const [bin, ...args] = argv(p, dir, tools, kubeconfig);
    spawnDetached(bin!, args, { log: logFile(dir, p), pid: pidFile(dir, p), cwd: dir });
    if (p === 'csi-plugin')
      // The sidecars give up when the socket is not there when they start.
      await pollUntil(
        'the CSI plugin socket',
        async () => {
          if (alive(dir, p) === undefined)
            throw new Error(`the CSI plugin exited; its log ends with:\n${logTail(logFile(dir, p))}`);
          return readFileSync(logFile(dir, p), 'utf8').includes('serving on') || undefined;
        },
        { timeoutMs: READY_TIMEOUT_MS, intervalMs: 100 },
      );
  }
}

/** Stops the stack's processes, newest first. */
export async function stopCsiStack(dir: string): Promise<void> {
  for (const p of [...PROCESSES].reverse()) {
    const pid = readPidFile(pidFile(dir, p));
    if (pid !== undefined) await stopProcess(pid, identity(dir, p), 5000);
    removePidFile(pidFile(dir, p));
  }
}
