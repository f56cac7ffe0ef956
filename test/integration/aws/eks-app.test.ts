// An app on the `eks` provider end to end: the dev cluster's kwok nodes sit in us-east-1a/b/c, and
// the worker's eks driver talks to moto (the AWS EC2 emulator) through the standard AWS chain
// (AWS_ENDPOINT_URL_EC2 and key variables), as it would talk to AWS. Deploy makes EBS volumes
// whose PVs carry the EBS CSI source (kwok nodes never run the CSI plugin, so pods start anyway);
// a snapshot is an EBS snapshot; a worker killed while CreateSnapshot's reply is on its way leaves
// exactly one snapshot in moto's own list; a restore into another zone moves the app there.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { DescribeSnapshotsCommand, DescribeVolumesCommand, EC2Client, type Tag } from '@aws-sdk/client-ec2';
import type { AppStatus } from '../../../cli/commands/app';
import type { DiskView } from '../../../api/messages';
import type { SnapshotView } from '../../../activities/snapshot-view';
import type { OperationRecord } from '../../../api/operation';
import { watchOperation } from '../../../client/submit-operation';
import { type Ec2FaultShim, startEc2FaultShim } from '../../../dev/aws/ec2-fault-shim';
import { type MotoServer, startMotoServer } from '../../../dev/aws/moto-server';
import { TAG } from '../../../drivers/tags';
import { kompoxops, kompoxopsJson, useEksProvider, wikiProject } from '../../helpers/deploy-project';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import { eventually, kubeConfigOf } from '../../helpers/kube-app';
import { activityAttempts } from '../../helpers/snapshots';
import { killAndRestartWorker } from '../../helpers/worker-kill';
import { repoRoot } from '../../../workers/repo-root';

const REGION = 'us-east-1';
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
/** The app's KOM deployment zone: a pod's disks and its zone must agree. */
function replaceZone(project: { dir: string }, from: string, to: string): void {
  const file = join(project.dir, 'kompoxapp.yml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(`zone: ${from}`, `zone: ${to}`));
}
const tag = (tags: Tag[] | undefined, key: string) => tags?.find((t) => t.Key === key)?.Value;

void describe('an app on the eks provider (EBS on moto)', () => {
  let motoDir: string;
  let moto: MotoServer;
  let shim: Ec2FaultShim;
  let ec2: EC2Client;
  let stack: TestStack;
  let kc: KubeConfig;
  const project = wikiProject(`eksapp${process.pid}`);
  useEksProvider(project, REGION, ZONES[0]!);
  const json = <T>(...args: string[]) => kompoxopsJson<T>(stack, project.dir, ...args);
  /** The app's volumes and snapshots in moto's own lists, not through Kompox. */
  const motoVolumes = async () =>
    (
      await ec2.send(
        new DescribeVolumesCommand({ Filters: [{ Name: `tag:${TAG.app}`, Values: [project.appName] }] }),
      )
    ).Volumes ?? [];
  const motoSnapshots = async () =>
    (
      await ec2.send(
        new DescribeSnapshotsCommand({
          OwnerIds: ['self'],
          Filters: [{ Name: `tag:${TAG.app}`, Values: [project.appName] }],
        }),
      )
    ).Snapshots ?? [];

  before(async () => {
    motoDir = mkdtempSync(join(tmpdir(), 'kompox-eks-moto-'));
    moto = await startMotoServer({ dir: motoDir });
    shim = await startEc2FaultShim(moto.endpoint);
    ec2 = new EC2Client({
      region: REGION,
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    // The worker (a child of this process) finds AWS through the standard chain, as on a real cluster.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_EC2: shim.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    stack = await startTestStack({ zones: ZONES, region: REGION });
    kc = kubeConfigOf(stack.kubeconfig);
  });
  after(async () => {
    await stack?.stop();
    await shim?.close();
    await moto?.stop();
    ec2?.destroy();
    rmSync(project.dir, { recursive: true, force: true });
    if (motoDir) rmSync(motoDir, { recursive: true, force: true });
  });

  const readyIn = (zone: string) =>
    eventually(`the app Ready in ${zone}`, async () => {
      const s = await json<AppStatus>('app', 'status');
      return s.ready && s.zone === zone ? s : undefined;
    });

  void it('deploys onto EBS volumes in its zone, bound through the EBS CSI source', async () => {
    const deployed = await json<OperationRecord>('app', 'deploy', '--bootstrap-disks');
    assert.equal(deployed.phase, 'Completed', JSON.stringify(deployed.failure));
    await readyIn(ZONES[0]!);
    const disks = await json<DiskView[]>('disk', 'list');
    const volumes = await motoVolumes();
    assert.equal(volumes.length, 2, 'one EBS volume per app volume');
    for (const v of volumes) {
      assert.equal(v.AvailabilityZone, ZONES[0]);
      const disk = disks.find((d) => d.handle === v.VolumeId);
      assert.ok(disk, `volume ${v.VolumeId} is a Kompox disk`);
      assert.equal(tag(v.Tags, TAG.volume), disk.volumeName);
      assert.equal(tag(v.Tags, TAG.assigned), 'true');
    }
    const pvs = (await kc.makeApiClient(CoreV1Api).listPersistentVolume()).items.filter((pv) =>
      volumes.some((v) => v.VolumeId === pv.spec?.csi?.volumeHandle),
    );
    assert.equal(pvs.length, 2);
    for (const pv of pvs) {
      assert.equal(pv.spec?.csi?.driver, 'ebs.csi.aws.com');
      const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
      const keys = terms.flatMap((t) => t.matchExpressions ?? []).map((e) => [e.key, e.values]);
      assert.ok(
        keys.some(
          ([k, v]) => k === 'topology.kubernetes.io/zone' && JSON.stringify(v) === JSON.stringify([ZONES[0]]),
        ),
        JSON.stringify(keys),
      );
    }
  });

  void it('renders the EBS PVs with a CLI that holds no AWS credentials (the worker reads the disks)', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    // Not spawnSync: the EC2 shim the worker calls runs in this process.
    const r = await promisify(execFile)(join(repoRoot(), 'bin', 'kompoxops'), ['app', 'render'], {
      cwd: project.dir,
      encoding: 'utf8',
      env: { ...env, KOMPOX_DEV_DIR: stack.dir, TEMPORAL_ADDRESS: stack.address },
    });
    const handles = (await motoVolumes()).map((v) => v.VolumeId!);
    for (const handle of handles) assert.ok(r.stdout.includes(`volumeHandle: ${handle}`), handle);
    assert.match(r.stdout, /driver: ebs\.csi\.aws\.com/);
    assert.doesNotMatch(r.stdout + r.stderr, /PLACEHOLDER|placeholder/);
  });

  let snapshotName = '';
  void it('takes a snapshot as an EBS snapshot', async () => {
    const done = await json<OperationRecord>('snapshot', 'create', '-V', 'db');
    assert.equal(done.phase, 'Completed', JSON.stringify(done.failure));
    const snaps = await json<SnapshotView[]>('snapshot', 'list', '-V', 'db');
    assert.equal(snaps.length, 1);
    snapshotName = snaps[0]!.name;
    const inMoto = await motoSnapshots();
    assert.deepEqual(
      inMoto.map((s) => [s.SnapshotId, s.State, tag(s.Tags, TAG.snapshotName)]),
      [[snaps[0]!.handle, 'completed', snapshotName]],
    );
  });

  void it('leaves one snapshot when the worker dies while CreateSnapshot answers', async () => {
    let held = false;
    shim.inject({ action: 'CreateSnapshot', holdReplyMs: 8000, onHeld: () => (held = true) });
    const started = await kompoxops(
      stack,
      project.dir,
      'snapshot',
      'create',
      '-V',
      'db',
      '--no-wait',
      '-o',
      'json',
    );
    assert.equal(started.status, 0, started.stderr);
    const { id } = JSON.parse(started.stdout) as { id: string };
    await eventually('EC2 to have taken the snapshot, its reply held', async () => (held ? true : undefined));
    // The snapshot exists in EC2; the worker never learns its id.
    await killAndRestartWorker(stack.dir);
    shim.clear();
    const done = await watchOperation(stack.client, project.appKey, id);
    assert.equal(done.phase, 'Completed', JSON.stringify(done.failure));
    // The kill really interrupted the create: createSnapshot ran a second attempt, which found
    // the snapshot by its operation-key tag instead of taking another.
    const attempts = await activityAttempts(stack.client, done.workflowId!);
    assert.ok(
      attempts.createSnapshot?.some((n) => n >= 2),
      `no createSnapshot attempt 2: ${JSON.stringify(attempts)}`,
    );
    const inMoto = await motoSnapshots();
    assert.equal(
      inMoto.length,
      2,
      `two snapshots in all, one per operation: ${JSON.stringify(inMoto.map((s) => s.SnapshotId))}`,
    );
    const keys = inMoto.map((s) => tag(s.Tags, TAG.operationKey));
    assert.equal(new Set(keys).size, 2, 'each operation key once');
  });

  void it('restores the snapshot into another zone and moves the app there', async () => {
    const { operation: created } = await json<{ operation: OperationRecord }>(
      'disk',
      'create',
      '-V',
      'db',
      '-N',
      'moved',
      '-S',
      `snapshot:${snapshotName}`,
      '-Z',
      ZONES[1]!,
    );
    assert.equal(created.phase, 'Completed', JSON.stringify(created.failure));
    const moved = (await motoVolumes()).find((v) => tag(v.Tags, TAG.diskName) === 'moved');
    assert.equal(moved?.AvailabilityZone, ZONES[1]);
    assert.ok(moved?.SnapshotId, 'made from the EBS snapshot');
    const snaps = await json<SnapshotView[]>('snapshot', 'list', '-V', 'db');
    assert.equal(moved.SnapshotId, snaps.find((s) => s.name === snapshotName)?.handle);
    // The other volume moves too: a pod's disks share one zone.
    const { operation: other } = await json<{ operation: OperationRecord }>(
      'disk',
      'create',
      '-V',
      'default',
      '-N',
      'moved',
      '-Z',
      ZONES[1]!,
    );
    assert.equal(other.phase, 'Completed', JSON.stringify(other.failure));
    for (const volume of ['db', 'default']) {
      const { operation: assigned } = await json<{ operation: OperationRecord }>(
        'disk',
        'assign',
        '-V',
        volume,
        '-N',
        'moved',
      );
      assert.equal(assigned.phase, 'Completed', JSON.stringify(assigned.failure));
    }
    // An assignment takes effect at the next deploy; the app follows its disks into the new zone.
    replaceZone(project, ZONES[0]!, ZONES[1]!);
    const redeployed = await json<OperationRecord>('app', 'deploy');
    assert.equal(redeployed.phase, 'Completed', JSON.stringify(redeployed.failure));
    const s = await readyIn(ZONES[1]!);
    assert.equal(s.zone, ZONES[1]);
  });
});
