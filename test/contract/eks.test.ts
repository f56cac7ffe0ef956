// The driver contract on the `eks` provider: the real AWS SDK against moto (the AWS EC2 emulator)
// in server mode, through the EC2 fault shim that adds what moto cannot show (throttling, refusals,
// held replies). The driver finds moto as it would find AWS: AWS_ENDPOINT_URL_EC2 and key variables.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttachVolumeCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  RegisterImageCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { startEc2FaultShim } from '../../dev/aws/ec2-fault-shim';
import { startMotoServer } from '../../dev/aws/moto-server';
import type { DriverContext } from '../../drivers/driver';
import { createEksDriver } from '../../drivers/eks/eks-driver';
import { describeDriverContract } from './driver-contract';

const HOME = 'us-east-1';

describeDriverContract({
  name: 'eks',
  async start() {
    const dir = mkdtempSync(join(tmpdir(), 'kompox-contract-eks-'));
    const moto = await startMotoServer({ dir });
    const shim = await startEc2FaultShim(moto.endpoint);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_EC2: shim.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    // Straight to moto: what the cloud itself holds, and machines to attach disks to.
    const ec2 = new EC2Client({
      region: HOME,
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const ctx: DriverContext = {
      workspace: 'ws',
      provider: 'eks-contract',
      cluster: 'prod',
      providerSettings: { AWS_REGION: HOME, AWS_REGIONS: 'us-west-2' },
      clusterSettings: {},
      stateDir: dir,
    };
    let machines = 0;
    /** An EC2 instance in `zone` (moto runs without its sample images: register one to boot from). */
    const runInstance = async (zone: string) => {
      const image = await ec2.send(
        new RegisterImageCommand({
          Name: `kompox-contract-${++machines}`,
          RootDeviceName: '/dev/xvda',
          BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8 } }],
        }),
      );
      const run = await ec2.send(
        new RunInstancesCommand({
          ImageId: image.ImageId,
          MinCount: 1,
          MaxCount: 1,
          InstanceType: 't3.medium',
          Placement: { AvailabilityZone: zone },
        }),
      );
      const instance = run.Instances![0]!;
      return { instanceId: instance.InstanceId!, privateDns: instance.PrivateDnsName! };
    };
    return {
      driver: createEksDriver(ctx, {
        consistencyWindowMs: 3000,
        lookupIntervalMs: 200,
        throttleBackoffMs: 50,
      }),
      spec: { driver: 'eks', ctx },
      homeZones: ['us-east-1a', 'us-east-1b'],
      otherRegionZone: 'us-west-2b',
      async attach(disk) {
        const { instanceId } = await runInstance(disk.zone);
        await ec2.send(
          new AttachVolumeCommand({ VolumeId: disk.handle, InstanceId: instanceId, Device: '/dev/sdf' }),
        );
        return instanceId;
      },
      // An EKS node: named by its private DNS name, with an aws:///<zone>/<instance> providerID.
      async machine(zone) {
        const { instanceId, privateDns } = await runInstance(zone);
        return { nodeName: privateDns, providerId: `aws:///${zone}/${instanceId}` };
      },
      faults: {
        throttleCreateDisk: (times) => shim.inject({ action: 'CreateVolume', throttle: times }),
        denyCreateDisk: () =>
          shim.inject({
            action: 'CreateVolume',
            error: {
              code: 'UnauthorizedOperation',
              status: 403,
              message: 'You are not authorized to perform this operation.',
            },
          }),
        cloudCalls: () => shim.requests.length,
        clear: () => shim.clear(),
      },
      async cloudSnapshotsTagged(key, value) {
        const out = await ec2.send(
          new DescribeSnapshotsCommand({
            OwnerIds: ['self'],
            Filters: [{ Name: `tag:${key}`, Values: [value] }],
          }),
        );
        return out.Snapshots?.length ?? 0;
      },
      async stop() {
        ec2.destroy();
        await shim.close();
        await moto.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});
