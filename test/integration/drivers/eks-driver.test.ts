// The `eks` provider driver against moto (the AWS EC2 emulator) behind Kompox's EC2 fault shim.
// The driver finds both the way it finds AWS: the endpoint from AWS_ENDPOINT_URL_EC2 and
// credentials from the standard chain (here key variables), home region us-east-1 and a second
// region us-west-2. What moto cannot show (throttling, denial, lost replies, pending states) the
// shim adds; what each call left behind is checked in moto's own lists, not through the driver.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  AttachVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  RegisterImageCommand,
  RunInstancesCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import { type Ec2FaultShim, startEc2FaultShim } from '../../../dev/aws/ec2-fault-shim';
import { type MotoServer, startMotoServer } from '../../../dev/aws/moto-server';
import type { CreateIntent } from '../../../drivers/create-intent';
import type { DriverContext } from '../../../drivers/driver';
import { type EksDriver, createEksDriver } from '../../../drivers/eks/eks-driver';
import { DriverError, type DriverErrorCode } from '../../../drivers/errors';
import { keyDigest } from '../../../drivers/idempotency';
import { type OperationHandle, type OperationKind, waitForOperation } from '../../../drivers/long-operation';
import { TAG } from '../../../drivers/tags';

const GiB = 1024 ** 3;
const HOME = 'us-east-1';
const OTHER = 'us-west-2';
const fast = { intervalMs: 20, maxIntervalMs: 100, timeoutMs: 30_000 };
const tag = (tags: Tag[] | undefined, key: string): string | undefined =>
  tags?.find((t) => t.Key === key)?.Value;

function rejectsWith(code: DriverErrorCode, retryable = false, message?: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof DriverError, `expected DriverError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.retryable, retryable);
    if (message) assert.match(err.message, message);
    return true;
  };
}

/** Variables of the AWS SDK's standard chain this test sets or clears. */
const AWS_ENV = [
  'AWS_ENDPOINT_URL_EC2',
  'AWS_ENDPOINT_URL',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_EC2_METADATA_DISABLED',
];

void describe('the eks driver on moto', () => {
  let dir: string;
  let moto: MotoServer;
  let shim: Ec2FaultShim;
  let driver: EksDriver;
  const saved: Record<string, string | undefined> = {};
  const raw: Record<string, EC2Client> = {};
  let apps = 0;
  const vol = (): { app: string; volume: string } => ({ app: `e${++apps}`, volume: 'db' });
  const ctx = (clusterSettings: Record<string, string> = {}): DriverContext => ({
    workspace: 'ws',
    provider: 'aws',
    cluster: 'eks1',
    providerSettings: { AWS_REGIONS: OTHER },
    clusterSettings: { AWS_REGION: HOME, ...clusterSettings },
    stateDir: dir,
  });
  const wait = <K extends OperationKind>(op: OperationHandle<K>) => waitForOperation(driver, op, fast);
  const createDisk = async (
    ref: { app: string; volume: string },
    extra: Partial<Parameters<EksDriver['beginCreateDisk']>[0]> = {},
  ) =>
    wait(
      await driver.beginCreateDisk({
        ...ref,
        name: 'd1',
        zone: 'us-east-1a',
        sizeBytes: GiB,
        idempotencyKey: `${ref.app}-d1`,
        ...extra,
      }),
    );
  const motoVolumes = async (region: string, key: string, value: string) =>
    (
      await raw[region]!.send(
        new DescribeVolumesCommand({ Filters: [{ Name: `tag:${key}`, Values: [value] }] }),
      )
    ).Volumes ?? [];
  const motoSnapshots = async (region: string, key: string, value: string) =>
    (
      await raw[region]!.send(
        new DescribeSnapshotsCommand({
          OwnerIds: ['self'],
          Filters: [{ Name: `tag:${key}`, Values: [value] }],
        }),
      )
    ).Snapshots ?? [];
  const actions = (): string[] => shim.requests.map((r) => r.action);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kompox-eks-driver-'));
    // Fails the whole suite with moto's log and how to install it when moto cannot start.
    moto = await startMotoServer({ dir });
    shim = await startEc2FaultShim(moto.endpoint);
    for (const region of [HOME, OTHER]) {
      raw[region] = new EC2Client({
        region,
        endpoint: moto.endpoint,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
    }
    for (const k of AWS_ENV) saved[k] = process.env[k];
    for (const k of AWS_ENV) delete process.env[k];
    writeFileSync(join(dir, 'empty'), '');
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_EC2: shim.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_CONFIG_FILE: join(dir, 'empty'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'empty'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    driver = createEksDriver(ctx(), {
      consistencyWindowMs: 300,
      lookupIntervalMs: 50,
      throttleBackoffMs: 50,
    });
  });
  after(async () => {
    for (const k of AWS_ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    for (const c of Object.values(raw)) c.destroy();
    await shim?.close();
    await moto?.stop();
    // Kept when moto did not start: its log is there.
    if (dir && moto) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => shim.clear());

  void it('lists both regions and resolves a zone by name, AZ id, letter and index', async () => {
    const regions = await driver.listRegions();
    assert.deepEqual(
      regions.map((r) => r.name),
      [HOME, OTHER],
    );
    assert.ok(regions[1]!.zones.some((z) => z.kom === 'us-west-2b'));
    const a = await driver.resolveZone('us-east-1a');
    assert.deepEqual(a, { kom: 'us-east-1a', provider: 'us-east-1a', topology: 'us-east-1a', region: HOME });
    for (const spelling of ['use1-az6', 'a', '1']) assert.deepEqual(await driver.resolveZone(spelling), a);
    assert.equal((await driver.diskOffering({ region: OTHER })).zones[0]?.kom, 'us-west-2a');
  });

  void it('creates a tagged volume, gets, lists, grows and deletes it', async () => {
    const ref = vol();
    const disk = await createDisk(ref, { options: { iops: 4000 }, tags: { owner: 'team-a' } });
    assert.equal(disk.state, 'ready');
    assert.deepEqual([disk.name, disk.zone, disk.region, disk.size], ['d1', 'us-east-1a', HOME, GiB]);
    assert.match(disk.handle, /^vol-/);
    assert.deepEqual(disk.options, { type: 'gp3', encrypted: false, iops: 4000 });
    const [v] = await motoVolumes(HOME, TAG.operationKey, keyDigest(`${ref.app}-d1`));
    assert.equal(v?.VolumeId, disk.handle);
    assert.deepEqual(
      [TAG.app, TAG.volume, TAG.diskName, TAG.assigned, TAG.managedBy, 'owner'].map((k) => tag(v?.Tags, k)),
      [ref.app, 'db', 'd1', 'false', 'kompox', 'team-a'],
    );
    assert.equal(tag(v?.Tags, 'Name'), `kompox ${ref.app}/db/d1`);
    assert.equal(disk.tags.Name, undefined, 'the console name is not a Kompox tag');
    assert.equal((await driver.getDisk({ ...ref, name: 'd1' })).handle, disk.handle);
    assert.deepEqual(
      (await driver.listDisks({ app: ref.app })).map((d) => d.name),
      ['d1'],
    );
    assert.deepEqual(await driver.listDisks({ ...ref, tags: { owner: 'team-b' } }), []);

    assert.equal((await wait(await driver.beginResizeDisk({ ...ref, name: 'd1' }, 3 * GiB))).size, 3 * GiB);
    await assert.rejects(driver.beginResizeDisk({ ...ref, name: 'd1' }, GiB), rejectsWith('InvalidArgument'));
    shim.clear();
    await wait(await driver.beginResizeDisk({ ...ref, name: 'd1' }, 3 * GiB - 1));
    assert.ok(!actions().includes('ModifyVolume'), 'the same size (rounded up to GiB) is a no-op');

    const pv = driver.pvSource(disk);
    assert.deepEqual(pv.csi, { driver: 'ebs.csi.aws.com', fsType: 'ext4', volumeAttributes: {} });
    assert.deepEqual(pv.topology, {
      key: 'topology.kubernetes.io/zone',
      values: ['us-east-1a'],
      alsoKeys: ['topology.ebs.csi.aws.com/zone'],
    });

    await driver.setDiskAssigned({ ...ref, name: 'd1' }, true);
    await assert.rejects(
      (async () => wait(await driver.beginDeleteDisk({ ...ref, name: 'd1' })))(),
      rejectsWith('InUse', false, /assigned/),
    );
    await driver.setDiskAssigned({ ...ref, name: 'd1' }, false);
    assert.equal(await wait(await driver.beginDeleteDisk({ ...ref, name: 'd1' })), null);
    assert.deepEqual(await motoVolumes(HOME, TAG.app, ref.app), []);
    await assert.rejects(driver.getDisk({ ...ref, name: 'd1' }), rejectsWith('NotFound'));
    assert.equal(await wait(await driver.beginDeleteDisk({ ...ref, name: 'd1' })), null);
  });

  void it('makes one volume for one key, and refuses another request under the same key', async () => {
    const ref = vol();
    const first = await createDisk(ref);
    const again = await createDisk(ref);
    assert.equal(again.handle, first.handle);
    assert.equal((await motoVolumes(HOME, TAG.operationKey, keyDigest(`${ref.app}-d1`))).length, 1);
    await assert.rejects(createDisk(ref, { sizeBytes: 2 * GiB }), rejectsWith('Conflict'));
    await assert.rejects(
      createDisk(ref, { idempotencyKey: `${ref.app}-other` }),
      rejectsWith('AlreadyExists'),
      'another key cannot take the name',
    );
    assert.equal((await motoVolumes(HOME, TAG.app, ref.app)).length, 1);
  });

  void it('refuses bad options, sizes and zones before it calls EC2', async () => {
    const ref = vol();
    await driver.listRegions(); // zones are looked up once per driver
    shim.clear();
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ options: { type: 'gp9' } }, /type "gp9" is not an EBS volume type/],
      [{ options: { type: 'io2' } }, /iops is required for io2/],
      [{ options: { iops: 100 } }, /iops 100 is out of range for gp3/],
      [{ sizeBytes: 70_000 * GiB }, /70000 GiB is out of range for gp3 volumes \(1-65536 GiB\)/],
      [{ sizeBytes: 0 }, /positive whole number of bytes/],
      [{ zone: 'us-east-1z' }, /unknown zone "us-east-1z" \(known: us-east-1a, .*us-west-2a/],
    ];
    for (const [extra, message] of bad) {
      await assert.rejects(createDisk(ref, extra), rejectsWith('InvalidArgument', false, message));
    }
    await assert.rejects(
      createDisk(ref, { source: { kind: 'disk', name: 'd0' } }),
      rejectsWith('Unsupported', false, /snapshot disk d0 first/),
    );
    assert.deepEqual(actions(), []);
  });

  void it('maps UnauthorizedOperation to PermissionDenied, and throttling to Throttled', async () => {
    const ref = vol();
    shim.inject({ action: 'CreateVolume', error: { code: 'UnauthorizedOperation', status: 403 } });
    await assert.rejects(
      createDisk(ref),
      rejectsWith('PermissionDenied', false, /UnauthorizedOperation.*allow ec2:CreateVolume/),
    );
    assert.equal(shim.calls('CreateVolume'), 1, 'not retried');
    shim.inject({ action: 'CreateVolume', throttle: 5 });
    await assert.rejects(createDisk(ref), (err: unknown) => {
      assert.ok(err instanceof DriverError && err.code === 'Throttled' && err.retryable, String(err));
      assert.equal(err.details.awsCode, 'RequestLimitExceeded');
      return true;
    });
    assert.equal(shim.calls('CreateVolume'), 1 + 3, "the SDK's own three attempts");
    shim.clear();
    shim.inject({ action: 'CreateVolume', throttle: 2 });
    assert.equal((await createDisk(ref)).state, 'ready');
    assert.equal((await motoVolumes(HOME, TAG.app, ref.app)).length, 1);
  });

  void it('polls a pending snapshot until it is completed', async () => {
    const ref = vol();
    const disk = await createDisk(ref);
    const op = await driver.beginCreateSnapshot({
      ...ref,
      disk: 'd1',
      name: 's1',
      idempotencyKey: `${ref.app}-s1`,
    });
    shim.pending(op.id, 2);
    const seen: boolean[] = [];
    let snap;
    for (let i = 0; i < 5 && snap === undefined; i++) {
      const r = await driver.poll(op);
      seen.push(r.done);
      if (r.done) snap = r.result;
    }
    assert.deepEqual(seen, [false, false, true]);
    assert.ok(snap);
    assert.deepEqual(
      [snap.name, snap.state, snap.ready, snap.incremental, snap.size, snap.region],
      ['s1', 'ready', true, true, GiB, HOME],
    );
    assert.deepEqual(snap.sourceDisk, { name: 'd1', handle: disk.handle });
    assert.deepEqual(
      (await driver.listSnapshots(ref)).map((s) => s.handle),
      [op.id],
    );
  });

  void it('leaves one snapshot when the reply of CreateSnapshot is lost and the call is retried', async () => {
    const ref = vol();
    await createDisk(ref);
    const req = { ...ref, disk: 'd1', name: 's1', idempotencyKey: `${ref.app}-lost` };
    const recorded: CreateIntent[] = [];
    shim.inject({ action: 'CreateSnapshot', dropReply: 1 });
    await assert.rejects(
      driver.beginCreateSnapshot(req, { retried: false, record: (i) => recorded.push(i) }),
      rejectsWith('Transient', true),
    );
    assert.equal(shim.calls('CreateSnapshot'), 1, 'no SDK retry of a create without a token');
    assert.equal(recorded.length, 1, 'the intent was recorded before the call');
    assert.equal(recorded[0]!.operationKey, keyDigest(req.idempotencyKey));
    const op = await driver.beginCreateSnapshot(req, {
      previous: recorded[0],
      retried: true,
      record: (i) => recorded.push(i),
    });
    const snap = await wait(op);
    assert.equal(snap.name, 's1');
    assert.equal(recorded.length, 1, 'found, not created again');
    const inMoto = await motoSnapshots(HOME, TAG.operationKey, keyDigest(req.idempotencyKey));
    assert.deepEqual(
      inMoto.map((s) => s.SnapshotId),
      [snap.handle],
    );
    assert.equal(shim.calls('CreateSnapshot'), 1);
  });

  void it('copies a snapshot to us-west-2 and makes a disk from the copy in us-west-2b', async () => {
    const ref = vol();
    await createDisk(ref, { sizeBytes: 2 * GiB });
    const s1 = await wait(
      await driver.beginCreateSnapshot({ ...ref, disk: 'd1', name: 's1', idempotencyKey: `${ref.app}-s1` }),
    );
    const copyReq = {
      snapshot: { ...ref, name: 's1' },
      targetRegion: OTHER,
      idempotencyKey: `${ref.app}-copy`,
    };
    shim.pending(s1.handle, 1);
    await assert.rejects(driver.beginCopySnapshot(copyReq), rejectsWith('Conflict', false, /wait until/));
    shim.clear();
    const copy = await wait(await driver.beginCopySnapshot(copyReq));
    assert.deepEqual(
      [copy.name, copy.region, copy.size, copy.copiedFrom],
      [`s1-${OTHER}`, OTHER, 2 * GiB, { name: 's1', region: HOME, handle: s1.handle }],
    );
    assert.deepEqual(copy.sourceDisk, s1.sourceDisk);
    assert.equal(actions().filter((a) => a === 'CopySnapshot').length, 1);
    assert.equal((await wait(await driver.beginCopySnapshot(copyReq))).handle, copy.handle);
    assert.equal((await motoSnapshots(OTHER, TAG.app, ref.app)).length, 1);
    await assert.rejects(
      createDisk(ref, {
        name: 'far',
        zone: 'us-west-2b',
        sizeBytes: 2 * GiB,
        source: { kind: 'snapshot', name: 's1' },
        idempotencyKey: `${ref.app}-far-home`,
      }),
      rejectsWith('InvalidArgument', false, /copy the snapshot to us-west-2 first/),
    );
    const far = await createDisk(ref, {
      name: 'far',
      zone: 'us-west-2b',
      sizeBytes: 2 * GiB,
      source: { kind: 'snapshot', name: copy.name },
      idempotencyKey: `${ref.app}-far`,
    });
    assert.deepEqual(
      [far.region, far.zone, far.source],
      [OTHER, 'us-west-2b', { kind: 'snapshot', name: copy.name, handle: copy.handle }],
    );
    const [v] = await motoVolumes(OTHER, TAG.diskName, 'far');
    assert.deepEqual([v?.AvailabilityZone, v?.SnapshotId], ['us-west-2b', copy.handle]);
    assert.deepEqual((await driver.listSnapshots(ref)).map((s) => s.region).sort(), [HOME, OTHER]);
    assert.equal(await wait(await driver.beginDeleteSnapshot({ ...ref, name: copy.name })), null);
    assert.deepEqual(await motoSnapshots(OTHER, TAG.app, ref.app), []);
  });

  void describe('with an EC2 instance', () => {
    let instanceId = '';
    let privateDns = '';
    before(async () => {
      // moto starts without its sample images here (moto-server.ts): register one to run from.
      const image = await raw[HOME]!.send(
        new RegisterImageCommand({
          Name: 'kompox-test-node',
          RootDeviceName: '/dev/xvda',
          BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8 } }],
        }),
      );
      const run = await raw[HOME]!.send(
        new RunInstancesCommand({
          ImageId: image.ImageId,
          MinCount: 1,
          MaxCount: 1,
          InstanceType: 't3.medium',
          Placement: { AvailabilityZone: 'us-east-1a' },
        }),
      );
      instanceId = run.Instances![0]!.InstanceId!;
      privateDns = run.Instances![0]!.PrivateDnsName!;
    });

    void it('force-detaches a disk from the instance', async () => {
      const ref = vol();
      const disk = await createDisk(ref);
      await raw[HOME]!.send(
        new AttachVolumeCommand({ VolumeId: disk.handle, InstanceId: instanceId, Device: '/dev/sdf' }),
      );
      assert.deepEqual(await driver.listAttachments({ ...ref, name: 'd1' }), [
        { instanceId, state: 'attached' },
      ]);
      await assert.rejects(
        (async () => wait(await driver.beginDeleteDisk({ ...ref, name: 'd1' })))(),
        rejectsWith('InUse', false, new RegExp(`attached to ${instanceId}`)),
      );
      shim.clear();
      assert.equal(await wait(await driver.beginForceDetach({ disk: { ...ref, name: 'd1' } })), null);
      assert.equal(shim.calls('DetachVolume'), 1);
      assert.deepEqual(await driver.listAttachments({ ...ref, name: 'd1' }), []);
      assert.equal(await wait(await driver.beginDeleteDisk({ ...ref, name: 'd1' })), null);
    });

    void it('fences a node by stopping its instance', async () => {
      const node = { nodeName: privateDns, providerId: `aws:///us-east-1a/${instanceId}` };
      assert.equal(await driver.getInstanceState(node), 'running');
      assert.equal(await driver.getInstanceState({ nodeName: privateDns }), 'running', 'found by its name');
      assert.equal(await driver.getInstanceState({ nodeName: 'not-a-node-name' }), 'unknown');
      await assert.rejects(
        driver.beginFenceNode({ nodeName: 'n1' }),
        rejectsWith('InvalidArgument', false, /providerID/),
      );
      assert.equal(await wait(await driver.beginFenceNode(node)), null);
      assert.equal(await driver.getInstanceState(node), 'stopped');
      assert.equal(
        await wait(await driver.beginFenceNode(node)),
        null,
        'a stopped instance is fenced at once',
      );
      assert.equal(
        await driver.getInstanceState({
          nodeName: 'gone',
          providerId: 'aws:///us-east-1a/i-0123456789abcdef0',
        }),
        'terminated',
      );
    });
  });

  void it('says which credential sources it tried when it finds none', async () => {
    const keys = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];
    const kept = keys.map((k) => process.env[k]);
    for (const k of keys) delete process.env[k];
    try {
      const bare = createEksDriver(ctx());
      await assert.rejects(bare.listRegions(), (err: unknown) => {
        assert.ok(err instanceof DriverError, String(err));
        assert.equal(err.code, 'Unauthenticated');
        assert.equal(err.retryable, false);
        // The full list is checked in test/unit/drivers/eks-pieces.test.ts.
        for (const source of [
          'AWS_ACCESS_KEY_ID',
          'AWS_PROFILE',
          'AWS_WEB_IDENTITY_TOKEN_FILE',
          'instance metadata',
        ])
          assert.ok(err.message.includes(source), `${source} in: ${err.message}`);
        return true;
      });
    } finally {
      keys.forEach((k, i) => (process.env[k] = kept[i]));
    }
    assert.deepEqual(actions(), [], 'nothing reached EC2 unsigned');
  });
});
