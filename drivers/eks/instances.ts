// The EC2 instances behind Kubernetes nodes: found from the node's providerID
// (aws:///<zone>/<instance id>), stopped to fence them, and asked for their state.
import { DescribeInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import type { InstanceState } from '../driver';
import { DriverError, invalidArgument } from '../errors';
import type { Ec2Calls } from './ec2-calls';
import { regionOfZoneName } from './zones';

const PROVIDER_ID = /^aws:\/\/\/([^/]*)\/(i-[0-9a-f]+)$/;

/** Region and instance id from a node's providerID; InvalidArgument naming the node otherwise. */
export function instanceOf(ref: { nodeName: string; providerId?: string }): {
  region: string;
  instanceId: string;
} {
  const m = PROVIDER_ID.exec(ref.providerId ?? '');
  const region = m === null ? undefined : regionOfZoneName(m[1]!);
  if (m === null || region === undefined) {
    throw invalidArgument(
      `node ${ref.nodeName} has no AWS providerID like aws:///us-east-1a/i-0123456789abcdef0 (got "${ref.providerId ?? ''}")`,
      { reason: 'providerId' },
    );
  }
  return { region, instanceId: m[2]! };
}

/**
 * Stops the instance with Force (no clean shutdown: it must stop writing now). Stopping a
 * stopped or stopping instance is accepted by EC2; a terminated or unknown one cannot write any
 * more, so that is done too.
 */
export async function stopInstance(ec2: Ec2Calls, region: string, instanceId: string): Promise<void> {
  try {
    await ec2.call(region, 'StopInstances', (c) =>
      c.send(new StopInstancesCommand({ InstanceIds: [instanceId], Force: true })),
    );
  } catch (err) {
    if (!(err instanceof DriverError && (err.code === 'NotFound' || err.code === 'Conflict'))) throw err;
  }
}

/**
 * The instance's state as the contract names it: `pending` counts as running (it is about to
 * run and may write), `shutting-down` as stopping, an instance EC2 no longer knows as terminated.
 */
export async function instanceState(
  ec2: Ec2Calls,
  region: string,
  instanceId: string,
): Promise<InstanceState> {
  const out = await ec2.maybe(region, 'DescribeInstances', (c) =>
    c.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })),
  );
  switch (out?.Reservations?.flatMap((r) => r.Instances ?? [])[0]?.State?.Name) {
    case undefined:
    case 'terminated':
      return 'terminated';
    case 'pending':
    case 'running':
      return 'running';
    case 'shutting-down':
    case 'stopping':
      return 'stopping';
    case 'stopped':
      return 'stopped';
    default:
      return 'unknown';
  }
}

/**
 * The instance of a node without a providerID, by its name: EKS names nodes after the instance's
 * private DNS name (ip-10-0-1-2.ec2.internal). Undefined when no instance has that name.
 */
export async function instanceByNodeName(
  ec2: Ec2Calls,
  regions: readonly string[],
  nodeName: string,
): Promise<{ region: string; instanceId: string } | undefined> {
  for (const region of regions) {
    const out = await ec2.call(region, 'DescribeInstances', (c) =>
      c.send(new DescribeInstancesCommand({ Filters: [{ Name: 'private-dns-name', Values: [nodeName] }] })),
    );
    const id = out.Reservations?.flatMap((r) => r.Instances ?? [])[0]?.InstanceId;
    if (id !== undefined) return { region, instanceId: id };
  }
  return undefined;
}
