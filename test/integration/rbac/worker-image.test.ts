// The worker as production runs it: the Kompox image (the dev build of the Dockerfile's layout)
// in the pods of the Deployment `kompoxops worker manifests` renders with the README's flags, on
// real kubelet nodes. The pods must become Ready, run as user 10001 on a read-only root with the
// Secrets as files, and do the work: the dev stack's own worker is stopped, so the operations of a
// k3s-provider app (deploy, stop snapshots, a hook snapshot, restore, destroy) are run by the pods
// alone, as their history's worker identities show. The k3s provider because it keeps everything in the Kubernetes
// API; the local provider keeps disks in directories of the worker's machine, which a pod has
// not (and the rendered worker configuration allows it no local roots). The apiserver's audit log
// then proves the ClusterRole's k3s rules and those only real nodes can show (pods/exec, which the
// hook snapshot's commands need): every verb used, nothing denied.
//
// What the test changes in the rendered objects, because the dev cluster is not a real one (no
// cluster DNS, no kube-proxy, and a Temporal server on the machine's loopback):
//   - the image (`--image`): the dev build, imported into the nodes' containerd (no registry);
//   - the Temporal namespace (`--namespace`): the dev server's, where the CLI's operations go;
//   - the pod's hostAliases: the README's Temporal host resolves to the node network's gateway,
//     where a relay carries port 7233 to the dev server (there is no cluster DNS to resolve it);
//   - the pod's nodeSelector: the real nodes' pool (kwok nodes never start a container).
// The apiserver needs nothing: each real node serves the `kubernetes` Service's address itself.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type KubernetesObject,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import type { OperationRecord } from '../../../api/operation';
import {
  DEV_KOMPOXOPS_IMAGE,
  ensureKompoxopsImage,
  exposeHostPort,
  importImageIntoRealNode,
  REAL_NODE_POOL,
} from '../../../dev/cluster';
import { CSI_STORAGE_CLASS } from '../../../dev/cluster/csi/csi-stack';
import { KUBERNETES_SERVICE_IP } from '../../../dev/cluster/real-nodes/node-network';
import { devClusterDir } from '../../../dev/dev-stack';
import { applyObjects } from '../../../kube/apply';
import { execInContainer } from '../../../kube/exec';
import { WORKER_CLUSTER_ROLE_RULES } from '../../../workers/in-cluster/cluster-role';
import { WORKER_NAME } from '../../../workers/in-cluster/manifests';
import { NAMESPACE } from '../../../workers/dev-stack-constants';
import {
  type TestProject,
  journalProject,
  kompoxops,
  kompoxopsJson,
  replaceOnce,
  useK3sProvider,
} from '../../helpers/deploy-project';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import { journalApp } from '../../helpers/journal-app';
import { eventually, kubeConfigOf } from '../../helpers/kube-app';
import { setWikiSnapshots } from '../../helpers/snapshots';
import { killWorker } from '../../helpers/worker-kill';
import {
  WORKER_NAMESPACE,
  applyReadmeSecrets,
  assertRulesUsedAndNothingDenied,
  flagValue,
  isConnect,
  readmeCommands,
  serviceAccountRequests,
  withFlag,
} from '../../helpers/worker-rbac';

const REAL_NODES = ['real-local-1a-1', 'real-local-1a-2'];
const WORKER_UID = 10001;
/** The journal app's hook: both commands leave a line in boots.log, the pre one its time in hook-pre. */
const HOOK_SNAPSHOTS = [
  'consistency: hook',
  'hook:',
  '  container: journal',
  `  pre: ['sh', '-c', 'date +%s > /data/hook-pre; echo pre >> /data/boots.log; sync']`,
  `  post: ['sh', '-c', 'echo post >> /data/boots.log']`,
];
/** A ServiceAccount granted `get` on pods/exec and not `create`. */
const GET_ONLY = 'exec-get-only';

void describe('the worker image, run by the rendered Deployment on real nodes', () => {
  let stack: TestStack;
  let kc: KubeConfig;
  let work: string;
  let project: TestProject;
  let codecKeys = '';
  let workerPods: V1Pod[] = [];
  let appNamespace = '';
  const started = Date.now();

  before(async () => {
    let t = Date.now();
    const tar = await ensureKompoxopsImage();
    console.log(`worker image ${tar}: ready in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    stack = await startTestStack({ realNodes: 2, realNodeZones: ['local-1a'], auditLog: true });
    kc = kubeConfigOf(stack.kubeconfig);
    // The pods must be the only worker polling the task queue.
    await killWorker(stack.dir);
    t = Date.now();
    await Promise.all(REAL_NODES.map((node) => importImageIntoRealNode(devClusterDir(stack.dir), node, tar)));
    console.log(`imported into ${REAL_NODES.length} nodes in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    work = mkdtempSync(join(tmpdir(), 'kompox-worker-image-'));
    project = journalProject(`imgapp${process.pid}`);
    useK3sProvider(project);
    // A stop snapshot scales the app down and up; the hook snapshot is taken with HOOK_SNAPSHOTS.
    setWikiSnapshots(project, ['consistency: stop']);
  });
  after(async () => {
    await stack?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
    if (project) rmSync(project.dir, { recursive: true, force: true });
    console.log(`wall time ${((Date.now() - started) / 1000).toFixed(0)} s`);
  });

  const workerPodsNow = async (): Promise<V1Pod[]> =>
    (
      await kc.makeApiClient(CoreV1Api).listNamespacedPod({
        namespace: WORKER_NAMESPACE,
        labelSelector: `app.kubernetes.io/name=${WORKER_NAME}`,
      })
    ).items;

  void it('runs the Deployment the README renders from the image on the real nodes, Ready', async () => {
    const readme = readmeCommands();
    const keys = await kompoxops(stack, work, ...readme.generateKey);
    assert.equal(keys.status, 0, keys.stderr);
    codecKeys = keys.stdout;
    // "Give the CLI the same codec keys": the CLI encrypts what the pods decrypt.
    const keyFile = join(work, 'codec.keys');
    writeFileSync(keyFile, codecKeys, { mode: 0o600 });
    process.env.KOMPOX_CODEC_KEY_FILE = keyFile;
    await applyReadmeSecrets(kc, readme.secrets, codecKeys);
    // The README's Temporal address, served at the node network's gateway on its port.
    const [temporalHost, temporalPort] = flagValue(readme.manifests, '--temporal-address').split(':');
    const gateway = await exposeHostPort(
      devClusterDir(stack.dir),
      Number(stack.address.split(':').pop()),
      Number(temporalPort),
    );
    const args = withFlag(
      withFlag(readme.manifests, '--image', DEV_KOMPOXOPS_IMAGE),
      '--namespace',
      NAMESPACE,
    );
    const r = await kompoxops(stack, work, ...args);
    assert.equal(r.status, 0, r.stderr);
    const objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as KubernetesObject);
    const deployment = objects.find((o) => o.kind === 'Deployment') as V1Deployment;
    const pod = deployment.spec!.template.spec!;
    assert.equal(pod.containers[0]!.image, DEV_KOMPOXOPS_IMAGE);
    pod.hostAliases = [{ ip: gateway.split(':')[0]!, hostnames: [temporalHost!] }];
    pod.nodeSelector = { 'kompox.dev/node-pool': REAL_NODE_POOL };
    await applyObjects(kc, objects);

    const replicas = deployment.spec!.replicas!;
    await eventually(
      `${replicas} worker replicas available`,
      async () => {
        const d = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({
          name: WORKER_NAME,
          namespace: WORKER_NAMESPACE,
        });
        return d.status?.availableReplicas === replicas ? d : undefined;
      },
      240_000,
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}; the pods: ${JSON.stringify((await workerPodsNow()).map((p) => p.status))}`,
      );
    });
    workerPods = (await workerPodsNow()).filter((p) => !p.metadata?.deletionTimestamp);
    assert.equal(workerPods.length, replicas);
    for (const p of workerPods) {
      assert.ok(REAL_NODES.includes(p.spec!.nodeName!), `${p.metadata!.name} on ${p.spec!.nodeName}`);
      assert.equal(p.status?.phase, 'Running');
      const c = p.status!.containerStatuses![0]!;
      assert.equal(c.ready, true);
      assert.equal(c.image, DEV_KOMPOXOPS_IMAGE);
      assert.equal(c.restartCount, 0, `${p.metadata!.name} restarted`);
    }
  });

  /** Runs a Node script in a worker pod (the image has no shell) and returns what it printed. */
  const inWorker = async (pod: V1Pod, script: string): Promise<string> => {
    const r = await execInContainer(
      kc,
      { namespace: WORKER_NAMESPACE, pod: pod.metadata!.name!, container: 'worker' },
      ['node', '-e', script],
      30_000,
    );
    assert.equal(r.exitCode, 0, r.stderr);
    return r.stdout;
  };

  void it('runs as user 10001 on a read-only root, writing only to its volumes, with the Secrets as files', async () => {
    assert.ok(workerPods.length > 0, 'no worker pod runs');
    for (const pod of workerPods) {
      const seen = JSON.parse(
        await inWorker(
          pod,
          `const fs = require('node:fs');
           const tryWrite = (f) => { try { fs.writeFileSync(f, 'x'); fs.rmSync(f); return 'ok'; } catch (e) { return e.code; } };
           const status = fs.readFileSync('/proc/1/status', 'utf8');
           console.log(JSON.stringify({
             uid: /^Uid:\\s+(\\d+)/m.exec(status)[1], gid: /^Gid:\\s+(\\d+)/m.exec(status)[1],
             cmdline: fs.readFileSync('/proc/1/cmdline', 'utf8').split('\\0').filter(Boolean),
             root: tryWrite('/app/probe'), etc: tryWrite('/etc/probe'),
             tmp: tryWrite('/tmp/probe'), state: tryWrite('/var/lib/kompox/probe'),
             codec: fs.readFileSync(process.env.KOMPOX_CODEC_KEY_FILE, 'utf8'),
             token: fs.readFileSync('/var/run/secrets/kompox/webhook/token', 'utf8'),
             api: process.env.KUBERNETES_SERVICE_HOST + ':' + process.env.KUBERNETES_SERVICE_PORT,
           }));`,
        ),
      ) as Record<string, unknown>;
      // PID 1 is the worker, started by the image's entrypoint with the rendered args.
      assert.equal(seen.uid, String(WORKER_UID));
      assert.equal(seen.gid, String(WORKER_UID));
      assert.deepEqual((seen.cmdline as string[]).slice(0, 5), [
        'node',
        '--enable-source-maps',
        '/app/dist/cli/main.js',
        '--temporal-address',
        flagValue(readmeCommands().manifests, '--temporal-address'),
      ]);
      assert.equal(seen.root, 'EROFS');
      assert.equal(seen.etc, 'EROFS');
      assert.equal(seen.tmp, 'ok');
      assert.equal(seen.state, 'ok');
      assert.equal(seen.codec, codecKeys);
      assert.equal(seen.token, 'test-webhook-token\n');
      // The in-cluster client found the API where any cluster's pods do: the kubernetes Service.
      assert.equal(seen.api, `${KUBERNETES_SERVICE_IP}:443`);
    }
  });

  const op = async (...args: string[]): Promise<OperationRecord> => {
    const rec = await kompoxopsJson<OperationRecord>(stack, project.dir, ...args);
    assert.equal(rec.phase, 'Completed', `${args.join(' ')}: ${JSON.stringify(rec.failure)}`);
    assert.ok(rec.workflowId, `${args.join(' ')}: no workflow id`);
    // Every worker that took a task of the operation is a pod of the Deployment ("<pid>@<pod>").
    const identities = new Set<string>();
    for (const e of (await stack.client.workflow.getHandle(rec.workflowId).fetchHistory()).events ?? []) {
      const id =
        e.workflowTaskStartedEventAttributes?.identity ?? e.activityTaskStartedEventAttributes?.identity;
      if (id) identities.add(id);
    }
    const pods = workerPods.map((p) => p.metadata!.name!);
    assert.ok(identities.size > 0, `${args.join(' ')}: no worker identity in the history`);
    for (const id of identities)
      assert.ok(
        pods.includes(id.split('@')[1]!),
        `${args.join(' ')} was run by ${id}, not by a pod of ${pods.join(', ')}`,
      );
    return rec;
  };

  void it('takes a k3s app through deploy, stop snapshots, delete, restore and a hook snapshot, run by the pods alone', async () => {
    await op('app', 'deploy', '--bootstrap-disks');
    const first = String((await op('snapshot', 'create')).figures?.['volume.data']);
    const second = String((await op('snapshot', 'create')).figures?.['volume.data']);
    for (const name of [first, second]) assert.match(name, /^\S+$/, 'a snapshot without a name');
    const listed = await kompoxopsJson<{ name: string }[]>(
      stack,
      project.dir,
      'snapshot',
      'list',
      '-V',
      'data',
    );
    assert.deepEqual(listed.map((s) => s.name).sort(), [first, second].sort());
    await op('snapshot', 'delete', '-V', 'data', '-N', first);
    // The restored disk is provisioned with the StorageClass named in the settings, not the default.
    replaceOnce(
      join(project.dir, '.kompox', 'kom', 'infra.yml'),
      /^ {2}driver: k3s$/m,
      `  driver: k3s\n  settings: { K3S_STORAGE_CLASS: ${CSI_STORAGE_CLASS} }`,
    );
    await op('snapshot', 'restore', '-V', 'data', '-N', second);

    // A hook snapshot: the pods run the app's pre and post commands in its container (pods/exec).
    const journal = journalApp(
      () => stack,
      () => kc,
      project,
    );
    const running = await journal.readyStatus();
    appNamespace = running.namespace;
    setWikiSnapshots(project, HOOK_SNAPSHOTS);
    const hooked = await op('snapshot', 'create');
    assert.match(String(hooked.figures?.['volume.data']), /^\S+$/, 'a snapshot without a name');
    // The hook's two lines, once each, are the last of boots.log.
    const log = await journal.inPod(running, 'cat /data/boots.log');
    assert.match(log, /\npre\npost\n$/, log);
    assert.equal(log.split('\n').filter((l) => l === 'pre' || l === 'post').length, 2, log);
    const preAt = Number(await journal.inPod(running, 'cat /data/hook-pre')) * 1000;
    assert.ok(preAt >= Date.parse(hooked.requestedAt) - 1000, 'hook-pre is older than the operation');

    await op('app', 'destroy', '--delete-namespace');
  });

  void it('used every verb of the ClusterRole’s k3s and real-node rules, and was denied nothing', () => {
    const events = serviceAccountRequests(stack.dir);
    assertRulesUsedAndNothingDenied(
      events,
      WORKER_CLUSTER_ROLE_RULES.filter((rule) => rule.provider === 'k3s' || rule.provedOn === 'real-nodes'),
    );
    // The hook's pre and post commands: two execs in the app's pod, by the worker's ServiceAccount.
    const execs = events.filter((e) => isConnect(e) && e.objectRef?.namespace === appNamespace);
    console.log(
      `the hook's execs in the audit log: ${execs.map((e) => `${e.verb} ${e.objectRef!.subresource} ${e.responseStatus?.code}`).join(', ')}`,
    );
    assert.equal(execs.length, 2, JSON.stringify(execs));
    for (const e of execs) {
      assert.equal(e.objectRef?.subresource, 'exec');
      assert.equal(e.verb, 'get', 'the exec is a WebSocket upgrade, a GET');
      assert.equal(e.responseStatus?.code, 101, e.requestURI);
    }
  });

  void it('is refused an exec without create on pods/exec, although its GET is allowed', async () => {
    // Why the rule grants create: a ServiceAccount with only get on pods/exec cannot exec.
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({
      namespace: WORKER_NAMESPACE,
      body: { metadata: { name: GET_ONLY } },
    });
    await rbac.createClusterRole({
      body: {
        metadata: { name: GET_ONLY },
        rules: [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['get'] }],
      },
    });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: GET_ONLY },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: GET_ONLY },
        subjects: [{ kind: 'ServiceAccount', name: GET_ONLY, namespace: WORKER_NAMESPACE }],
      },
    });
    const token = await core.createNamespacedServiceAccountToken({
      name: GET_ONLY,
      namespace: WORKER_NAMESPACE,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const cluster = kc.getCurrentCluster()!;
    const getOnly = new KubeConfig();
    getOnly.loadFromOptions({
      clusters: [{ ...cluster, name: 'dev' }],
      users: [{ name: GET_ONLY, token: token.status!.token }],
      contexts: [{ name: GET_ONLY, cluster: 'dev', user: GET_ONLY }],
      currentContext: GET_ONLY,
    });
    // The binding is in force once the apiserver's authorizer allows the GET.
    const user = `system:serviceaccount:${WORKER_NAMESPACE}:${GET_ONLY}`;
    await eventually(`get pods/exec allowed to ${GET_ONLY}`, async () => {
      const review = await kc.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
        body: {
          spec: {
            user,
            groups: ['system:serviceaccounts', `system:serviceaccounts:${WORKER_NAMESPACE}`],
            resourceAttributes: {
              namespace: WORKER_NAMESPACE,
              verb: 'get',
              resource: 'pods',
              subresource: 'exec',
            },
          },
        },
      });
      return review.status?.allowed ? true : undefined;
    });
    const pod = workerPods[0]!;
    await assert.rejects(
      execInContainer(
        getOnly,
        { namespace: WORKER_NAMESPACE, pod: pod.metadata!.name!, container: 'worker' },
        ['node', '-e', '0'],
        30_000,
      ),
    );
    const refused = serviceAccountRequests(stack.dir, user).filter(isConnect);
    assert.ok(refused.length > 0, `no exec by ${GET_ONLY} in the audit log`);
    for (const e of refused) {
      assert.equal(e.verb, 'get');
      assert.equal(e.responseStatus?.code, 403, e.requestURI);
    }
  });
});
