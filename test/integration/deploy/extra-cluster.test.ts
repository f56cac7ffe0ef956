// A dev stack with a second cluster: `east`, its own control plane with kwok nodes in region
// local-2. The worker routes the KOM Cluster named east there and every other Cluster to the
// main dev cluster, so an app lands in the cluster its KOM names, on a node of its zone's region;
// `dev status` lists the extra cluster, `dev down` stops it, and a start-up that fails at an
// extra cluster stops what it started.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { AppStatus } from '../../../cli/commands/app';
import type { OperationRecord } from '../../../api/operation';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DevStackStatus,
  devClusterDir,
  devExtraClusterDir,
  devStackDown,
  devStackStatus,
  devStackUp,
} from '../../../dev/dev-stack';
import { readClusterInfo } from '../../../dev/cluster';
import { isRunning } from '../../../dev/cluster/process';
import { type TestProject, clusterProject, kompoxopsJson } from '../../helpers/deploy-project';
import { deploySuite } from '../../helpers/deploy-suite';
import { kubeConfigOf } from '../../helpers/kube-app';

const EAST_ZONES = ['local-2a', 'local-2b'];

void describe('an extra dev cluster', () => {
  const suite = deploySuite({ extraClusters: [{ name: 'east', zones: EAST_ZONES }] });
  const eastApp = suite.track(clusterProject('eastapp', 'east', 'local-2a', { LOCAL_REGION: 'local-2' }));
  const devApp = suite.track(clusterProject('devapp', 'dev', 'local-1b'));
  const east = (): KubeConfig => kubeConfigOf(suite.stack.extraKubeconfigs.east);

  const deploy = async (p: TestProject): Promise<AppStatus> => {
    const op = await kompoxopsJson<OperationRecord>(suite.stack, p.dir, 'app', 'deploy', '--bootstrap-disks');
    assert.equal(op.phase, 'Completed', JSON.stringify(op.failure));
    const s = await kompoxopsJson<AppStatus>(suite.stack, p.dir, 'app', 'status');
    assert.equal(s.ready, true, `app status: ${JSON.stringify(s)}`);
    assert.ok(s.namespace && s.node, `app status lacks namespace/node: ${JSON.stringify(s)}`);
    return s;
  };
  // The app's Deployment is `<app>-<component>`, the component `app` by default.
  const deployments = async (kc: KubeConfig, namespace: string): Promise<string[]> =>
    (await kc.makeApiClient(AppsV1Api).listDeploymentForAllNamespaces()).items
      .filter((d) => d.metadata?.namespace === namespace)
      .map((d) => d.metadata!.name!);
  const topology = async (kc: KubeConfig, node: string): Promise<[string?, string?]> => {
    const labels = (await kc.makeApiClient(CoreV1Api).readNode({ name: node })).metadata?.labels ?? {};
    return [labels['topology.kubernetes.io/zone'], labels['topology.kubernetes.io/region']];
  };

  void it('dev status lists it with its kubeconfig and zones, and says where Clusters named east go', async () => {
    const status = await kompoxopsJson<DevStackStatus>(suite.stack, suite.stack.dir, 'dev', 'status');
    assert.deepEqual(status.extraClusters, [
      {
        name: 'east',
        dir: devExtraClusterDir(suite.stack.dir, 'east'),
        state: 'running',
        kubeconfig: suite.stack.extraKubeconfigs.east,
        zones: EAST_ZONES.map((zone) => ({ zone, region: 'local-2' })),
      },
    ]);
    assert.notEqual(status.kubeconfig, suite.stack.extraKubeconfigs.east);
    assert.deepEqual(status.workerConfig.routing.slice(0, 2), [
      'every other Cluster named east → the extra dev cluster east',
      'every other Cluster → the dev cluster',
    ]);
    // Its own kwok nodes, each labelled with its zone and the zone's region.
    const nodes = (await east().makeApiClient(CoreV1Api).listNode()).items;
    assert.deepEqual(
      nodes
        .map((n) => [
          n.metadata?.labels?.['topology.kubernetes.io/zone'],
          n.metadata?.labels?.['topology.kubernetes.io/region'],
        ])
        .sort(),
      EAST_ZONES.flatMap((z) => [
        [z, 'local-2'],
        [z, 'local-2'],
      ]),
    );
  });

  void it('runs the app of the KOM Cluster east in the extra cluster, on a node in local-2, and not in the main one', async () => {
    const s = await deploy(eastApp);
    assert.equal(s.zone, 'local-2a');
    assert.deepEqual(await deployments(east(), s.namespace!), [`${eastApp.appName}-app`]);
    assert.deepEqual(await deployments(suite.kc, s.namespace!), []);
    assert.deepEqual(await topology(east(), s.node!), ['local-2a', 'local-2']);
    const pods = (await east().makeApiClient(CoreV1Api).listNamespacedPod({ namespace: s.namespace! })).items;
    assert.deepEqual(
      pods.map((p) => [p.spec?.nodeName, p.status?.phase]),
      [[s.node, 'Running']],
    );
  });

  void it('runs the app of any other Cluster in the main dev cluster', async () => {
    const s = await deploy(devApp);
    assert.deepEqual(await deployments(suite.kc, s.namespace!), [`${devApp.appName}-app`]);
    assert.deepEqual(await deployments(east(), s.namespace!), []);
    assert.deepEqual(await topology(suite.kc, s.node!), ['local-1b', 'local-1']);
  });

  void it('adds an extra cluster to a running stack, and restarts the worker with its route', async () => {
    const before = devStackStatus(suite.stack.dir);
    const eastPids = readClusterInfo(devExtraClusterDir(suite.stack.dir, 'east'))?.pids;
    const status = await devStackUp(suite.stack.dir, {
      ephemeralPorts: true,
      extraClusters: [{ name: 'west', zones: ['local-1c'] }],
    });
    assert.deepEqual(
      status.extraClusters?.map((c) => [c.name, c.state]),
      [
        ['east', 'running'],
        ['west', 'running'],
      ],
    );
    assert.ok(
      status.workerConfig.routing.includes('every other Cluster named west → the extra dev cluster west'),
    );
    assert.notEqual(status.worker.pid, before.worker.pid);
    assert.equal(status.temporal.pid, before.temporal.pid);
    assert.deepEqual(readClusterInfo(devExtraClusterDir(suite.stack.dir, 'east'))?.pids, eastPids);
    // Up again with nothing new: the worker keeps running.
    const again = await devStackUp(suite.stack.dir, {
      ephemeralPorts: true,
      extraClusters: [{ name: 'west' }],
    });
    assert.equal(again.worker.pid, status.worker.pid);
  });

  void it('dev down stops the extra clusters with the rest', async () => {
    const pids = ['east', 'west'].flatMap((name) => {
      const info = readClusterInfo(devExtraClusterDir(suite.stack.dir, name));
      assert.ok(info, `the extra cluster ${name} recorded no cluster.json`);
      return Object.values(info.pids);
    });
    assert.ok(pids.every(isRunning));
    const status = await devStackDown(suite.stack.dir);
    assert.equal(status.running, false);
    assert.deepEqual(pids.filter(isRunning), []);
  });

  void it('leaves nothing running when an extra cluster fails to start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kompox-half-'));
    try {
      // A file where the extra cluster's directory goes: its start fails after Temporal and the
      // main cluster are up.
      mkdirSync(join(dir, 'clusters'));
      writeFileSync(devExtraClusterDir(dir, 'west'), 'in the way\n');
      await assert.rejects(
        devStackUp(dir, { ephemeralPorts: true, extraClusters: [{ name: 'west' }] }),
        /EEXIST|ENOTDIR/,
      );
      assert.ok(
        readClusterInfo(devClusterDir(dir)),
        'the main cluster did not start, so this proves nothing',
      );
      assert.deepEqual(processesMentioning(dir), []);
    } finally {
      await devStackDown(dir).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Live processes whose command line names `dir`: what a dev stack there runs. */
function processesMentioning(dir: string): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return cmd.includes(dir) ? [`${pid}: ${cmd}`] : [];
      } catch {
        return [];
      }
    });
}
