// The ClusterRole of the in-cluster worker: exactly what Kompox asks of the Kubernetes API, each
// rule with the reason. test/integration/rbac proves it on the dev cluster from the apiserver's
// audit log: every verb of every rule is used by a deploy, stop snapshot, restore, failover on
// an alert (the node incident included) and destroy of the wiki on the local provider, and
// nothing is denied. The rules marked `provider: 'k3s'` are what the k3s provider's driver adds
// (its disks are PersistentVolumeClaims, its snapshots VolumeSnapshots): test/integration/rbac/
// worker-image.test.ts proves those the same way, with the worker running from its image in the
// cluster; so too the rules marked `provedOn: 'real-nodes'`, which every app may need but only a
// container that runs can show (the kwok nodes of the other test start none). A rule is added
// here only with a test that uses it. Kompox writes with server-side apply, a patch that needs
// `create` too when the object is new.

export interface ClusterRoleRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  /** Why Kompox needs it: rendered as the rule's comment. */
  why: string;
  /** Needed only by this provider's driver (and proved by its test); unset: by every app. */
  provider?: 'k3s';
  /** Proved by worker-image.test.ts on real nodes although every app may need it: it acts in a running container. */
  provedOn?: 'real-nodes';
}

export const WORKER_CLUSTER_ROLE_RULES: readonly ClusterRoleRule[] = [
  {
    apiGroups: [''],
    resources: ['namespaces'],
    verbs: ['create', 'patch', 'delete'],
    why: 'each app has its own namespace: applied before its objects, deleted by app destroy --delete-namespace',
  },
  {
    apiGroups: [''],
    resources: ['persistentvolumes', 'persistentvolumeclaims'],
    verbs: ['create', 'list', 'patch', 'delete'],
    why: 'each disk is a PersistentVolume bound to its app’s claim; a restore or reassign adds a new pair and prunes the old',
  },
  {
    apiGroups: [''],
    resources: ['services', 'configmaps', 'secrets'],
    verbs: ['create', 'list', 'patch', 'delete'],
    why: 'the app’s Services, compose configs and secrets: applied, and pruned when the compose file drops them (Secrets are written, never read)',
  },
  {
    apiGroups: ['networking.k8s.io'],
    resources: ['ingresses', 'networkpolicies'],
    verbs: ['create', 'list', 'patch', 'delete'],
    why: 'the app’s Ingress and its NetworkPolicy: applied, and pruned when no longer rendered',
  },
  {
    apiGroups: ['apps'],
    resources: ['deployments'],
    verbs: ['create', 'get', 'patch', 'delete'],
    why: 'the app’s Deployment: applied, its rollout followed, removed by app destroy',
  },
  {
    apiGroups: ['apps'],
    resources: ['deployments/scale'],
    verbs: ['patch'],
    why: 'a stop-consistency snapshot or a restore scales the app to 0 and back to 1',
  },
  {
    apiGroups: [''],
    resources: ['pods'],
    verbs: ['list', 'delete'],
    why: 'the app’s pod: where it runs and whether it is ready; a failover force-deletes it on the dead node',
  },
  {
    apiGroups: [''],
    resources: ['events'],
    verbs: ['list'],
    why: 'why a pod that is not ready is stuck (FailedScheduling, FailedAttachVolume …), said in the operation’s failure',
  },
  {
    apiGroups: ['storage.k8s.io'],
    resources: ['volumeattachments'],
    verbs: ['list'],
    why: 'a failover waits until the app’s volumes are detached from the dead node',
  },
  {
    apiGroups: [''],
    resources: ['nodes'],
    verbs: ['get', 'list', 'patch'],
    why: 'the zone of the node the app runs on; a node incident judges the node and its zone from every node, and sets and removes the out-of-service taint',
  },
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    verbs: ['list'],
    why: 'a node incident tells a silent node by its Lease in kube-node-lease, expired since its last renewal',
  },
  {
    apiGroups: [''],
    resources: ['namespaces'],
    verbs: ['get'],
    why: 'a node incident finds the Kompox app of each pod on the node by its namespace’s kompox.dev/app annotation',
  },
  {
    // The exec is a WebSocket upgrade, a GET the apiserver authorizes as `get` and, since
    // Kubernetes 1.35 (AuthorizePodWebsocketUpgradeCreatePermission), as `create` too.
    apiGroups: [''],
    resources: ['pods/exec'],
    verbs: ['get', 'create'],
    why: 'a snapshot with consistency: hook runs the app’s pre and post commands in its container',
    provedOn: 'real-nodes',
  },
  {
    apiGroups: [''],
    resources: ['persistentvolumeclaims', 'persistentvolumes'],
    verbs: ['get'],
    why: 'k3s provider: a disk is a claim in its disk namespace; its bound volume gives the handle and is kept on Retain',
    provider: 'k3s',
  },
  {
    apiGroups: ['storage.k8s.io'],
    resources: ['storageclasses'],
    verbs: ['get', 'list'],
    why: 'k3s provider: the StorageClass disks are provisioned with: K3S_STORAGE_CLASS (get), else the default (list)',
    provider: 'k3s',
  },
  {
    apiGroups: ['storage.k8s.io'],
    resources: ['csinodes'],
    verbs: ['list'],
    why: 'k3s provider: the zones its CSI driver serves, from the nodes it runs on',
    provider: 'k3s',
  },
  {
    apiGroups: ['snapshot.storage.k8s.io'],
    resources: ['volumesnapshotclasses'],
    verbs: ['list'],
    why: 'k3s provider: the VolumeSnapshotClass snapshots are taken with (the default one unless set)',
    provider: 'k3s',
  },
  {
    apiGroups: ['snapshot.storage.k8s.io'],
    resources: ['volumesnapshots'],
    verbs: ['create', 'get', 'list', 'delete'],
    why: 'k3s provider: a snapshot is a VolumeSnapshot of the disk’s claim, found by its labels, deleted with the snapshot',
    provider: 'k3s',
  },
  {
    apiGroups: ['snapshot.storage.k8s.io'],
    resources: ['volumesnapshotcontents'],
    verbs: ['get', 'list', 'patch'],
    why: 'k3s provider: a snapshot’s content is kept on Retain (set back to Delete when Kompox deletes it), read for its size and readiness',
    provider: 'k3s',
  },
];
