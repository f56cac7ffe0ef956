// What each failover test starts from: the journal app with failover enabled, on a dev stack
// with two real nodes in zone local-1a (so it has a node to move to). Call it inside a
// `describe`: it registers the hooks that start and stop the stack.
import assert from 'node:assert/strict';
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { type TestProject, journalProject, kompoxops } from './deploy-project';
import type { AppStatus } from '../../cli/commands/app';
import type { OperationRecord } from '../../api/operation';
import { type TestStack, startTestStack } from './dev-stack';
import { journalApp } from './journal-app';
import { eventually, kubeConfigOf } from './kube-app';
import { reportAlert } from '../../client/report-alert';
import { appControllerWorkflowId } from '../../api/ids';
import { controllerViewQuery } from '../../api/messages';
import { type IncidentView, incidentViewQuery, nodeIncidentWorkflowId } from '../../api/incident';

export function failoverApp(name: string, graceSeconds: number, setup?: (project: TestProject) => void) {
  let stack: TestStack;
  let kc: KubeConfig;
  const project = journalProject(name);
  setup?.(project);
  appendFileSync(
    join(project.dir, 'kompoxapp.yml'),
    `  failover: { enabled: true, verifyGraceSeconds: ${graceSeconds} }\n`,
  );
  before(async () => {
    stack = await startTestStack({ realNodes: 2, realNodeZones: ['local-1a'] });
    kc = kubeConfigOf(stack.kubeconfig);
  });
  after(async () => {
    await stack?.stop();
    rmSync(project.dir, { recursive: true, force: true });
  });
  const journal = journalApp(
    () => stack,
    () => kc,
    project,
  );
  return {
    project,
    stack: () => stack,
    kc: () => kc,
    ...journal,
    /** Deploys the app, notes its node and its payload's checksum, and powers that node off. */
    async deployAndPowerOff(): Promise<{ status: AppStatus; dead: string; digest: string }> {
      const deployed = await journal.json<OperationRecord>('app', 'deploy', '--bootstrap-disks');
      assert.equal(deployed.phase, 'Completed', JSON.stringify(deployed.failure));
      const status = await journal.readyStatus();
      const digest = (await journal.inPod(status, 'sha256sum /data/payload.bin')).split(' ')[0]!;
      const r = await kompoxops(
        stack,
        project.dir,
        'dev',
        'node',
        'fail',
        status.node!,
        '--mode',
        'poweroff',
      );
      assert.equal(r.status, 0, r.stderr);
      return { status, dead: status.node!, digest };
    },
  };
}

/**
 * Makes kwok nodes report NotReady and waits until the node lifecycle controller has tainted
 * them, so the scheduler keeps new pods off them: a zone outage as an incident then sees it.
 */
export async function failKwokNodes(stack: TestStack, dir: string, nodes: string[]): Promise<void> {
  for (const node of nodes) {
    const r = await kompoxops(stack, dir, 'dev', 'node', 'fail', node, '--mode', 'notready', '--wait');
    assert.equal(r.status, 0, r.stderr);
  }
  const core = kubeConfigOf(stack.kubeconfig).makeApiClient(CoreV1Api);
  for (const node of nodes)
    await eventually(`${node} tainted not-ready`, async () =>
      (await core.readNode({ name: node })).spec?.taints?.some(
        (t) => t.key === 'node.kubernetes.io/not-ready',
      )
        ? true
        : undefined,
    );
}

/** An Alertmanager alert that `node` of the dev cluster is down, as the webhook receiver passes it on. */
export function alertNodeDown(stack: TestStack, node: string, dedupeKey: string) {
  return reportAlert(stack.client, {
    source: 'alertmanager',
    dedupeKey,
    status: 'firing',
    cluster: 'dev',
    node,
    receivedAt: new Date().toISOString(),
  });
}

/** The app's failover once it has ended, with the controller's view then. */
export function awaitFailover(stack: TestStack, appKey: string, timeoutMs = 240_000) {
  return eventually(
    'the failover done',
    async () => {
      const view = await stack.client.workflow
        .getHandle(appControllerWorkflowId(appKey))
        .query(controllerViewQuery);
      const op = view.recentOperations.find((o) => o.kind === 'app.failover');
      return op && ['Completed', 'Failed'].includes(op.phase) ? { op, view } : undefined;
    },
    timeoutMs,
  );
}

/** Waits until recovered nodes are Ready again and rid of the node lifecycle's taints. */
export async function awaitNodesBack(stack: TestStack, nodes: string[]): Promise<void> {
  const core = kubeConfigOf(stack.kubeconfig).makeApiClient(CoreV1Api);
  for (const node of nodes)
    await eventually(
      `${node} Ready and untainted`,
      async () => {
        const n = await core.readNode({ name: node });
        const ready = n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        return ready && !n.spec?.taints?.some((t) => t.key.startsWith('node.kubernetes.io/'))
          ? true
          : undefined;
      },
      120_000,
    );
}

/**
 * A zone outage under the app: its zone's kwok nodes fail and the alert for its node fires; the
 * failover must reattach its zone-redundant disks in another zone (RPO 0, nothing restored).
 * `check` looks at the outcome before the nodes recover.
 */
export async function zoneOutageReattach(
  stack: TestStack,
  dir: string,
  status: AppStatus,
  zoneNodes: string[],
  check: (moved: Awaited<ReturnType<typeof awaitFailover>> & { incident: IncidentView }) => Promise<void>,
): Promise<void> {
  await failKwokNodes(stack, dir, zoneNodes);
  try {
    await alertNodeDown(stack, status.node!, `zrs@${status.node}`);
    const moved = await awaitFailover(stack, status.appKey);
    assert.equal(moved.op.phase, 'Completed', JSON.stringify(moved.op.failure));
    assert.match(moved.op.summary, /crossZone=zoneRedundant/);
    assert.equal(moved.op.figures?.rpoSeconds, 0);
    assert.equal(moved.op.figures?.restoredTo, undefined, 'reattached, not restored');
    // A zone outage, yet the node was fenced and tainted: the disks had to leave it.
    const incident = await stack.client.workflow
      .getHandle(nodeIncidentWorkflowId('dev', status.node!))
      .query(incidentViewQuery);
    assert.equal(incident.phase, 'ZoneOutage');
    assert.ok(incident.marks.fencedAt && incident.marks.taintedAt, JSON.stringify(incident.marks));
    await check({ ...moved, incident });
  } finally {
    for (const node of zoneNodes) await kompoxops(stack, dir, 'dev', 'node', 'recover', node);
  }
}
