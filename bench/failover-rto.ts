// Recovery time after a node loses power, Kompox's failover against Kubernetes' own recovery, in
// one run on one dev cluster with Kubernetes' default node timings (40 s lease, 50 s monitor
// grace) and two real nodes (kubelet, containerd) in zone local-1a, so both figures include the
// kubelet's and the attach/detach controller's real behaviour. Both apps are single-replica
// Deployments with a ReadWriteOnce CSI volume of the dev CSI stack.
//
//   node_modules/.bin/node dist/bench/failover-rto.js [cap on Kubernetes' recovery in s, default 900]
//
// Kubernetes: a plain Deployment with default tolerations and no Kompox; power off its node and
// time until a replacement pod is Ready (capped: a pod on a dead node stays Terminating and its
// volume attached, so Kubernetes alone may never recover). Kompox: the journal app on the k3s
// driver with failover enabled (the default 30 s grace); the alert about the node is handed in
// the moment the power goes, and the figure is power-off until the app is Ready elsewhere.
// Kompox's own share is that minus detection and the grace period (power-off until verified).
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { AppsV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { loadDataConverter } from '../client/codec/data-converter';
import { reportAlert } from '../client/report-alert';
import { submitOperation, watchOperation } from '../client/submit-operation';
import { loadAppRevision } from '../cli/project';
import { devClusterDir, devStackDown, devStackUp } from '../dev/dev-stack';
import { failRealNodeOf, findRealNode, readClusterInfo, recoverRealNodeOf } from '../dev/cluster';
import { applyObject } from '../kube/apply';
import { forceDeletePod } from '../kube/force-delete';
import { loadKubeConfig } from '../kube/kubeconfig';
import { waitForRollout } from '../kube/rollout';
import { appControllerWorkflowId } from '../api/ids';
import { controllerViewQuery } from '../api/messages';
import { journalProject, useK3sProvider } from '../test/helpers/deploy-project';
import { NAMESPACE } from '../workers/dev-stack-constants';

const log = (m: string) => process.stderr.write(`${m}\n`);
const KUBERNETES_DEFAULTS = { nodeLeaseSeconds: 40, nodeMonitorGraceSeconds: 50 };
const ready = (p: V1Pod): boolean =>
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

async function main(): Promise<void> {
  const capSeconds = Number(process.argv[2] ?? 900);
  if (!(capSeconds > 0)) throw new Error('the cap on Kubernetes’ recovery: seconds, > 0');
  const dir = mkdtempSync(join(tmpdir(), 'kompox-bench-rto-'));
  const project = journalProject('rto');
  useK3sProvider(project);
  appendFileSync(join(project.dir, 'kompoxapp.yml'), '  failover: { enabled: true }\n');
  let connection: Connection | undefined;
  try {
    log(`starting the dev stack with two real nodes in local-1a and Kubernetes' default timings in ${dir}`);
    const status = await devStackUp(dir, {
      realNodes: 2,
      realNodeZones: ['local-1a'],
      timing: KUBERNETES_DEFAULTS,
      progress: log,
    });
    const info = readClusterInfo(devClusterDir(dir))!;
    const kc = loadKubeConfig({ path: status.kubeconfig! });
    const core = kc.makeApiClient(CoreV1Api);
    connection = await Connection.connect({ address: status.temporalAddress! });
    const client = new Client({
      connection,
      namespace: NAMESPACE,
      dataConverter: loadDataConverter({ devDir: dir }),
    });

    // Kubernetes alone.
    await applyObject(kc, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'default' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    await applyObject(kc, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'plain', namespace: 'default' },
      spec: {
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { app: 'plain' } },
        template: {
          metadata: { labels: { app: 'plain' } },
          spec: {
            nodeSelector: { 'kompox.dev/node-pool': 'real', 'topology.kubernetes.io/zone': 'local-1a' },
            containers: [
              {
                name: 'main',
                image: 'busybox:1.36',
                command: ['sh', '-c', 'touch /tmp/ok; while true; do sleep 3600 & wait $!; done'],
                readinessProbe: { exec: { command: ['test', '-f', '/tmp/ok'] }, periodSeconds: 1 },
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
              },
            ],
            volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
          },
        },
      },
    });
    await waitForRollout(kc, { namespace: 'default', name: 'plain', timeoutMs: 180_000 });
    const plainPods = async () =>
      (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=plain' })).items;
    const [first] = await plainPods();
    const plainNode = first!.spec!.nodeName!;
    log(
      `Kubernetes alone: powering off ${plainNode} (waiting up to ${capSeconds} s for a Ready replacement)`,
    );
    let t0 = Date.now();
    await failRealNodeOf(info, findRealNode(info, plainNode)!, 'poweroff');
    let kubernetesSeconds: number | undefined;
    while ((Date.now() - t0) / 1000 < capSeconds) {
      if ((await plainPods()).some((p) => p.metadata?.uid !== first!.metadata?.uid && ready(p))) {
        kubernetesSeconds = (Date.now() - t0) / 1000;
        break;
      }
      await sleep(1000);
    }
    log(
      kubernetesSeconds
        ? `Kubernetes recovered in ${kubernetesSeconds} s`
        : `Kubernetes had not recovered after ${capSeconds} s`,
    );
    // Clear the way for Kompox: no plain app, the node back.
    await kc.makeApiClient(AppsV1Api).deleteNamespacedDeployment({ name: 'plain', namespace: 'default' });
    for (const p of await plainPods()) await forceDeletePod(kc, 'default', p.metadata!.name!);
    await recoverRealNodeOf(info, findRealNode(info, plainNode)!, kc, 240_000);

    // Kompox.
    const cwd = process.cwd();
    process.chdir(project.dir);
    const packed = loadAppRevision({});
    process.chdir(cwd);
    const accepted = await submitOperation(client, { kind: 'app.deploy', ...packed, bootstrapDisks: true });
    const deployed = await watchOperation(client, accepted.appKey, accepted.id);
    if (deployed.phase !== 'Completed')
      throw new Error(`deploy ${deployed.phase}: ${deployed.failure?.message}`);
    const controller = client.workflow.getHandle(appControllerWorkflowId(packed.target.appKey));
    const node = (await controller.query(controllerViewQuery)).placement!.node!;
    log(`Kompox: powering off ${node} and handing in the alert`);
    t0 = Date.now();
    await failRealNodeOf(info, findRealNode(info, node)!, 'poweroff');
    await reportAlert(client, {
      source: 'alertmanager',
      dedupeKey: `bench@${t0}`,
      status: 'firing',
      cluster: packed.target.cluster.name,
      node,
      receivedAt: new Date().toISOString(),
    });
    let op;
    for (;;) {
      const view = await controller.query(controllerViewQuery);
      op = view.recentOperations.find((o) => o.kind === 'app.failover');
      if (op) break;
      if ((Date.now() - t0) / 1000 > 600) throw new Error('no failover within 600 s');
      await sleep(500);
    }
    if (op.phase !== 'Completed') throw new Error(`failover ${op.phase}: ${op.failure?.message}`);
    const kompoxSeconds = (Date.parse(op.endedAt!) - t0) / 1000;
    const f = op.figures ?? {};
    const ownShare = kompoxSeconds - (Number(f.alertToVerifiedSeconds) || 0);

    const kube =
      kubernetesSeconds === undefined
        ? `not Ready after ${capSeconds} s`
        : `${kubernetesSeconds.toFixed(1)} s`;
    const ratio = kompoxSeconds / (kubernetesSeconds ?? capSeconds);
    process.stdout.write(
      [
        `node power-off to app Ready again, RWO CSI volume, two real nodes in one zone, Kubernetes' default timings`,
        `Kubernetes alone (default tolerations):  ${kube}`,
        `Kompox failover on the alert:             ${kompoxSeconds.toFixed(1)} s (alert→verified ${f.alertToVerifiedSeconds} s, verified→fenced ${f.verifiedToFencedSeconds} s, fenced→detached ${f.fencedToDetachedSeconds} s, detached→Ready ${f.detachedToReadySeconds} s)`,
        `ratio Kompox/Kubernetes: ${kubernetesSeconds === undefined ? '≤ ' : ''}${ratio.toFixed(3)}x (goal ≤ 0.1x)`,
        `Kompox's own share (all but detection and the grace period): ${ownShare.toFixed(1)} s (goal ≤ 30 s)`,
        '',
      ].join('\n'),
    );
    await recoverRealNodeOf(info, findRealNode(info, node)!, kc, 240_000);
  } finally {
    await connection?.close();
    await devStackDown(dir).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    rmSync(project.dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
