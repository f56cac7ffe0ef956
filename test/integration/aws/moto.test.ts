// The offline AWS the eks driver is tested against: moto in server mode behind Kompox's EC2 fault
// shim, driven by the real EC2Client. Zones, tagged volumes found by tag, throttling retried by the
// SDK, errors surfacing by their EC2 code, a lost reply repeated by the SDK, pending states moto
// skips, delays, reset, and the SDK's endpoint from AWS_ENDPOINT_URL_EC2.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeAvailabilityZonesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  type Tag,
  waitUntilSnapshotCompleted,
  waitUntilVolumeAvailable,
} from '@aws-sdk/client-ec2';
import { type MotoServer, startMotoServer } from '../../../dev/aws/moto-server';
import { type Ec2FaultShim, startEc2FaultShim } from '../../../dev/aws/ec2-fault-shim';

const credentials = { accessKeyId: 'AKIAKOMPOXTEST', secretAccessKey: 'kompox-test-secret' };
const client = (endpoint?: string): EC2Client =>
  new EC2Client({ region: 'us-east-1', credentials, ...(endpoint ? { endpoint } : {}) });
const tags = (op: string): Tag[] => [
  { Key: 'kompox.dev/app', Value: 'shop' },
  { Key: 'kompox.dev/op', Value: op },
];
const fast = { maxWaitTime: 10, minDelay: 0.1, maxDelay: 0.2 };

void describe('moto behind the EC2 fault shim', () => {
  let dir: string;
  let moto: MotoServer;
  let shim: Ec2FaultShim;
  let ec2: EC2Client;
  let viaShim: EC2Client;

  async function createVolume(op: string): Promise<string> {
    const out = await ec2.send(
      new CreateVolumeCommand({
        AvailabilityZone: 'us-east-1a',
        Size: 1,
        VolumeType: 'gp3',
        TagSpecifications: [{ ResourceType: 'volume', Tags: tags(op) }],
      }),
    );
    assert.ok(out.VolumeId);
    return out.VolumeId;
  }
  const snapshotsOf = async (op: string): Promise<string[]> =>
    (
      await ec2.send(
        new DescribeSnapshotsCommand({
          OwnerIds: ['self'],
          Filters: [{ Name: 'tag:kompox.dev/op', Values: [op] }],
        }),
      )
    ).Snapshots!.map((s) => s.SnapshotId!);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kompox-moto-'));
    const t0 = Date.now();
    moto = await startMotoServer({ dir });
    console.log(`# moto up in ${Date.now() - t0} ms at ${moto.endpoint}`);
    shim = await startEc2FaultShim(moto.endpoint);
    ec2 = client(moto.endpoint);
    viaShim = client(shim.endpoint);
  });
  after(async () => {
    await shim?.close();
    await moto?.stop();
    // Kept when moto did not start: its log is there.
    if (dir && moto) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => shim.clear());

  void it('lists the zones of us-east-1 with their zone ids', async () => {
    const out = await ec2.send(new DescribeAvailabilityZonesCommand({}));
    const a = out.AvailabilityZones?.find((z) => z.ZoneName === 'us-east-1a');
    assert.ok(a, `us-east-1a in ${JSON.stringify(out.AvailabilityZones?.map((z) => z.ZoneName))}`);
    assert.match(a.ZoneId ?? '', /^use1-az\d$/);
  });

  void it('creates a tagged volume and finds it by tag', async () => {
    const id = await createVolume('find-by-tag');
    const out = await ec2.send(
      new DescribeVolumesCommand({ Filters: [{ Name: 'tag:kompox.dev/op', Values: ['find-by-tag'] }] }),
    );
    assert.deepEqual(
      out.Volumes?.map((v) => [v.VolumeId, v.AvailabilityZone, v.Size, v.State]),
      [[id, 'us-east-1a', 1, 'available']],
    );
    assert.deepEqual(out.Volumes?.[0]?.Tags?.find((t) => t.Key === 'kompox.dev/app')?.Value, 'shop');
  });

  void it('retries a throttled CreateSnapshot until it succeeds', async () => {
    const volume = await createVolume('throttled');
    shim.inject({ action: 'CreateSnapshot', throttle: 2 });
    const out = await viaShim.send(
      new CreateSnapshotCommand({
        VolumeId: volume,
        TagSpecifications: [{ ResourceType: 'snapshot', Tags: tags('throttled') }],
      }),
    );
    assert.deepEqual(
      shim.requests.map((r) => r.outcome),
      ['throttled', 'throttled', 'forwarded'],
    );
    assert.equal(out.$metadata.attempts, 3);
    assert.deepEqual(await snapshotsOf('throttled'), [out.SnapshotId]);
  });

  void it('surfaces UnauthorizedOperation by name, without retrying it', async () => {
    shim.inject({ action: 'CreateVolume', error: { code: 'UnauthorizedOperation', status: 403 } });
    await assert.rejects(
      viaShim.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 })),
      (err: Error & { $metadata?: { httpStatusCode?: number } }) =>
        err.name === 'UnauthorizedOperation' && err.$metadata?.httpStatusCode === 403,
    );
    assert.equal(shim.calls('CreateVolume'), 1);
  });

  void it('repeats a call whose reply was lost: CreateSnapshot is done twice', async () => {
    const volume = await createVolume('lost-reply');
    shim.inject({ action: 'CreateSnapshot', dropReply: 1 });
    const out = await viaShim.send(
      new CreateSnapshotCommand({
        VolumeId: volume,
        TagSpecifications: [{ ResourceType: 'snapshot', Tags: tags('lost-reply') }],
      }),
    );
    assert.deepEqual(
      shim.requests.map((r) => r.outcome),
      ['dropped', 'forwarded'],
    );
    // No ClientToken on CreateSnapshot: only a lookup by tag finds the first one.
    const found = await snapshotsOf('lost-reply');
    assert.equal(found.length, 2);
    assert.ok(found.includes(out.SnapshotId!));
  });

  void it('shows a volume creating and a snapshot pending until their waiters see them done', async () => {
    const volume = await createVolume('pending');
    shim.pending(volume, 2);
    const states: string[] = [];
    for (let i = 0; i < 3; i++) {
      const out = await viaShim.send(new DescribeVolumesCommand({ VolumeIds: [volume] }));
      states.push(out.Volumes![0]!.State!);
    }
    assert.deepEqual(states, ['creating', 'creating', 'available']);

    const snap = await ec2.send(new CreateSnapshotCommand({ VolumeId: volume }));
    shim.pending(snap.SnapshotId!, 2);
    const done = await waitUntilSnapshotCompleted(
      { client: viaShim, ...fast },
      { SnapshotIds: [snap.SnapshotId!] },
    );
    assert.equal(done.state, 'SUCCESS');
    assert.equal(shim.calls('DescribeSnapshots'), 3);

    shim.pending(volume, 1);
    await waitUntilVolumeAvailable({ client: viaShim, ...fast }, { VolumeIds: [volume] });
    assert.equal(shim.calls('DescribeVolumes'), 3 + 2);
  });

  void it('delays the calls of an action', async () => {
    shim.inject({ action: 'DescribeVolumes', delayMs: 300 });
    const t0 = Date.now();
    await viaShim.send(new DescribeVolumesCommand({}));
    assert.ok(Date.now() - t0 >= 300);
  });

  void it('takes its endpoint from AWS_ENDPOINT_URL_EC2 when none is given', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_EC2;
    process.env.AWS_ENDPOINT_URL_EC2 = shim.endpoint;
    try {
      await client().send(new DescribeAvailabilityZonesCommand({}));
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_EC2;
      else process.env.AWS_ENDPOINT_URL_EC2 = saved;
    }
    assert.equal(shim.calls('DescribeAvailabilityZones'), 1);
  });

  void it('forgets everything on reset', async () => {
    await createVolume('reset');
    assert.ok(((await ec2.send(new DescribeVolumesCommand({}))).Volumes ?? []).length > 0);
    await moto.reset();
    assert.deepEqual((await ec2.send(new DescribeVolumesCommand({}))).Volumes, []);
    assert.deepEqual(await snapshotsOf('throttled'), []);
  });
});
