// The in-cluster worker's least privilege, proved on the dev cluster: the manifests of
// `kompoxops worker manifests` (with the README's flags) are applied, the worker runs as the
// rendered ServiceAccount (a TokenRequest token in a kubeconfig, not system:masters) and takes
// the wiki through deploy, a stop snapshot, restore and destroy. The apiserver's audit log then
// shows every verb of every ClusterRole rule used and nothing denied: a rule nobody uses, or a
// request the role lacks, fails the test.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1Deployment,
} from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import type { OperationRecord } from '../../../api/operation';
import type { AppStatus } from '../../../cli/commands/app';
import { devCodecKeyFile } from '../../../client/codec/dev-key';
import { applyObjects } from '../../../kube/apply';
import { WORKER_CLUSTER_ROLE_RULES } from '../../../workers/in-cluster/cluster-role';
import { WORKER_NAME, renderWorkerManifests } from '../../../workers/in-cluster/manifests';
import { NAMESPACE } from '../../../workers/dev-stack-constants';
import { type TestProject, kompoxops, kompoxopsJson, wikiProject } from '../../helpers/deploy-project';
import { taintNode, untaintNode } from '../../../kube/taint';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import { alertNodeDown, awaitFailover, awaitNodesBack, failKwokNodes } from '../../helpers/failover-app';
import { eventually, kubeConfigOf } from '../../helpers/kube-app';
import { setWikiSnapshots } from '../../helpers/snapshots';
import { killWorker } from '../../helpers/worker-kill';
import {
  WORKER_NAMESPACE,
  applyReadmeSecrets,
  assertRulesUsedAndNothingDenied,
  readmeCommands,
  serviceAccountRequests,
} from '../../helpers/worker-rbac';

const OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

void describe('the in-cluster worker with its least-privilege ServiceAccount', () => {
  let stack: TestStack;
  let kc: KubeConfig;
  let work: string;
  let worker: ChildProcess | undefined;
  let workerLog = '';
  let project: TestProject;

  before(async () => {
    stack = await startTestStack({ auditLog: true });
    kc = kubeConfigOf(stack.kubeconfig);
    work = mkdtempSync(join(tmpdir(), 'kompox-rbac-'));
    project = wikiProject('rbacwiki');
    // Stop-consistency snapshots scale the app's Deployment down and up again.
    setWikiSnapshots(project, ['consistency: stop']);
    // The node incident verifies a node is down for this long before it fences.
    const kom = join(project.dir, 'kompoxapp.yml');
    writeFileSync(kom, readFileSync(kom, 'utf8').replace('verifyGraceSeconds: 30', 'verifyGraceSeconds: 2'));
  });
  after(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await new Promise((r) => worker!.once('exit', r));
    }
    await stack?.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(project.dir, { recursive: true, force: true });
  });

  void it('applies the manifests the README renders, with the Secrets it creates', async () => {
    const readme = readmeCommands();
    const keys = await kompoxops(stack, work, ...readme.generateKey);
    assert.equal(keys.status, 0, keys.stderr);
    assert.match(keys.stdout, /^[\w.-]+:[A-Za-z0-9+/=]{44}\n$/);
    await applyReadmeSecrets(kc, readme.secrets, keys.stdout);
    const r = await kompoxops(stack, work, ...readme.manifests);
    assert.equal(r.status, 0, r.stderr);
    const objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as KubernetesObject);
    // What the renderer makes of the README's flags, every object (its kinds: the unit test).
    assert.deepEqual(
      objects,
      JSON.parse(
        JSON.stringify(
          renderWorkerManifests({
            namespace: 'kompox',
            image: 'registry.example.com/kompox/kompoxops:1.0.0',
            replicas: 2,
            temporalAddress: 'temporal-frontend.temporal.svc:7233',
            temporalNamespace: 'kompox',
            codecKeySecret: 'kompox-codec-key',
            webhookTokenSecret: 'kompox-webhook-token',
            cluster: '*',
          }),
        ),
      ),
    );
    // The apiserver validates every object.
    await applyObjects(kc, objects);
    // kubectl rollout status: both replicas become available (kwok runs the pods).
    await eventually('both worker replicas available', async () => {
      const d = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({
        name: WORKER_NAME,
        namespace: WORKER_NAMESPACE,
      });
      return d.status?.availableReplicas === 2 ? d : undefined;
    });
    // The Deployment mounts exactly the Secrets, under the keys, the README creates.
    const pod = (objects.find((o) => o.kind === 'Deployment') as V1Deployment).spec!.template.spec!;
    const mounted = pod.volumes!.filter((v) => v.secret).map((v) => v.secret!.secretName);
    assert.deepEqual(
      mounted,
      readme.secrets.map((x) => x.name),
    );
    const args = pod.containers[0]!.args!.join(' ');
    assert.match(args, /--webhook-token-file \S+\/token\b/);
    assert.match(
      pod.containers[0]!.env!.find((e) => e.name === 'KOMPOX_CODEC_KEY_FILE')!.value!,
      /\/codec-keys$/,
    );
  });

  void it('refuses a worker configuration naming a cluster it cannot reach: exit 2, nothing started', async () => {
    const cases: [string, object, RegExp][] = [
      [
        'missing-kubeconfig',
        { '*': { kubeconfig: join(work, 'absent.kubeconfig') } },
        /clusters\["\*"\]\.kubeconfig: kubeconfig \S+absent\.kubeconfig does not exist/,
      ],
      [
        'unknown-context',
        { '/ws/acme/prv/local/cls/prod': { kubeconfig: stack.kubeconfig, context: 'prod' } },
        /clusters\["\/ws\/acme\/prv\/local\/cls\/prod"\]\.context: kubeconfig \S+ has no context "prod" \(known: kompox-dev\)/,
      ],
      [
        'not-in-a-pod',
        { '*/cls/edge': { inCluster: true } },
        /clusters\["\*\/cls\/edge"\]\.inCluster: this worker does not run in a Kubernetes pod/,
      ],
    ];
    for (const [name, clusters, message] of cases) {
      const config = join(work, `${name}.yaml`);
      writeFileSync(config, stringify({ clusters }));
      const r = await kompoxops(stack, work, 'worker', '--config', config);
      assert.equal(r.status, 2, `${name}: ${r.stderr}`);
      assert.ok(r.stderr.includes(`worker config ${config}: `), `${name}: ${r.stderr}`);
      assert.match(r.stderr, message, name);
      assert.doesNotMatch(r.stderr, /worker polling/, name);
    }
  });

  void it('runs the worker as the ServiceAccount, with a TokenRequest token', async () => {
    const token = await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
      name: WORKER_NAME,
      namespace: WORKER_NAMESPACE,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    const cluster = kc.getCurrentCluster()!;
    const kubeconfig = join(work, 'worker.kubeconfig');
    writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'dev', cluster: { server: cluster.server, 'certificate-authority-data': caData(kc) } },
        ],
        users: [{ name: WORKER_NAME, user: { token: token.status!.token } }],
        contexts: [{ name: 'worker', context: { cluster: 'dev', user: WORKER_NAME } }],
        'current-context': 'worker',
      }),
      { mode: 0o600 },
    );
    const config = join(work, 'worker.yaml');
    writeFileSync(
      config,
      stringify({
        clusters: { '*': { kubeconfig, context: 'worker' } },
        providers: { '*': { localRoots: ['*'] } },
      }),
    );
    // The dev stack's own worker (admin kubeconfig) must not take the operations.
    await killWorker(stack.dir);
    worker = spawn(
      join(process.cwd(), 'bin', 'kompoxops'),
      [
        '--temporal-address',
        stack.address,
        '--namespace',
        NAMESPACE,
        'worker',
        '--config',
        config,
        '--state-dir',
        stack.dir,
      ],
      {
        env: { ...process.env, KOMPOX_DEV_DIR: stack.dir, KOMPOX_CODEC_KEY_FILE: devCodecKeyFile(stack.dir) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    worker.stdout!.on('data', (c: Buffer) => (workerLog += c.toString()));
    worker.stderr!.on('data', (c: Buffer) => (workerLog += c.toString()));
    const deadline = Date.now() + 60_000;
    while (!/worker polling/.test(workerLog)) {
      assert.equal(worker.exitCode, null, `the worker exited:\n${workerLog}`);
      assert.ok(Date.now() < deadline, `the worker did not start within 60 s:\n${workerLog}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  const op = async (...args: string[]): Promise<OperationRecord> => {
    const rec = await kompoxopsJson<OperationRecord>(stack, project.dir, ...args);
    assert.equal(rec.phase, 'Completed', `${args.join(' ')}: ${JSON.stringify(rec.failure)}\n${workerLog}`);
    return rec;
  };

  void it('deploys, snapshots (stop) and restores the wiki', async () => {
    await op('app', 'deploy', '--bootstrap-disks');
    const snap = await op('snapshot', 'create');
    const snapshot = String(snap.figures?.['volume.db']);
    assert.ok(snapshot && snapshot !== 'undefined', `no snapshot of db in ${JSON.stringify(snap.figures)}`);
    await op('snapshot', 'restore', '-V', 'db', '-N', snapshot);
  });

  void it('fails the app over from its unreachable node to the other node of its zone', async () => {
    const before = await kompoxopsJson<AppStatus>(stack, project.dir, 'app', 'status');
    const dead = before.node!;
    const fail = await kompoxops(stack, project.dir, 'dev', 'node', 'fail', dead, '--mode', 'unreachable');
    assert.equal(fail.status, 0, fail.stderr);
    // Once Kubernetes notices, app status says the app is down and why (from the pod's events).
    const down = await eventually('app status not ready', async () => {
      const s = await kompoxopsJson<AppStatus>(stack, project.dir, 'app', 'status');
      return s.ready ? undefined : s;
    });
    assert.equal(down.node, dead);
    const started = await kompoxopsJson<OperationRecord>(stack, project.dir, 'app', 'failover', '--no-wait');
    try {
      // The worker force-deletes the pod on the dead node (nothing else would for minutes) ...
      const core = kc.makeApiClient(CoreV1Api);
      await eventually('the pod on the dead node deleted', async () => {
        const pods = await core.listNamespacedPod({ namespace: down.namespace! });
        return pods.items.some((p) => p.spec?.nodeName === dead) ? undefined : true;
      });
      // ... then the operator fences the node (app failover wants it down or fenced), and
      // Kubernetes lets go of its volumes at once instead of after minutes.
      await taintNode(kc, dead, { key: OUT_OF_SERVICE, value: 'nodeshutdown', effect: 'NoExecute' });
      const done = await kompoxopsJson<OperationRecord>(stack, project.dir, 'op', 'watch', started.id);
      assert.equal(done.phase, 'Completed', `${JSON.stringify(done.failure)}\n${workerLog}`);
      const after = await kompoxopsJson<AppStatus>(stack, project.dir, 'app', 'status');
      assert.equal(after.ready, true, JSON.stringify(after));
      assert.notEqual(after.node, dead);
      assert.equal(after.zone, before.zone);
    } finally {
      await untaintNode(kc, dead, OUT_OF_SERVICE);
      await kompoxops(stack, project.dir, 'dev', 'node', 'recover', dead);
    }
  });

  void it('fails the app over on an alert: its incident fences and taints the node, and untaints it once back', async () => {
    const before = await kompoxopsJson<AppStatus>(stack, project.dir, 'app', 'status');
    const dead = before.node!;
    await failKwokNodes(stack, project.dir, [dead]);
    try {
      // The alert starts the node's incident, which this worker runs with the ServiceAccount:
      // it reads nodes, leases, pods and namespaces, taints the node and hands out the failover.
      await alertNodeDown(stack, dead, `rbac@${dead}`);
      const moved = await awaitFailover(stack, before.appKey);
      assert.equal(moved.op.phase, 'Completed', `${JSON.stringify(moved.op.failure)}\n${workerLog}`);
      const after = await kompoxopsJson<AppStatus>(stack, project.dir, 'app', 'status');
      assert.equal(after.ready, true, JSON.stringify(after));
      assert.notEqual(after.node, dead);
      assert.equal(after.zone, before.zone);
    } finally {
      await kompoxops(stack, project.dir, 'dev', 'node', 'recover', dead);
    }
    // The incident removes its out-of-service taint once the node is Ready again.
    await awaitNodesBack(stack, [dead]);
  });

  void it('destroys the app and its namespace', async () => {
    await op('app', 'destroy', '--delete-namespace');
  });

  void it('used every verb of every ClusterRole rule, and was denied nothing', () => {
    // The k3s provider's rules and those proved on real nodes (pods/exec: kwok pods run no
    // container to exec in) are proved by worker-image.test.ts; the wiki here is on the local provider.
    assertRulesUsedAndNothingDenied(
      serviceAccountRequests(stack.dir),
      WORKER_CLUSTER_ROLE_RULES.filter((rule) => !rule.provider && !rule.provedOn),
    );
  });
});

function caData(kc: KubeConfig): string {
  const cluster = kc.getCurrentCluster()!;
  return cluster.caData ?? readFileSync(cluster.caFile!).toString('base64');
}
