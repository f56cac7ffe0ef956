// The Compute Engine instances behind GKE nodes: found from the node's providerID
// (gce://<project>/<zone>/<instance>), stopped to fence them, asked for their state, and
// detached from a disk (instances.detachDisk, by the device name the instance gives the disk).
// Stop and detach carry no requestId: both are idempotent in effect (a repeat finds the VM
// stopped, the disk detached), and a requestId reused after a later attach would skip the work.
import type { InstanceState } from '../driver';
import { DriverError, invalidArgument } from '../errors';
import type { ComputeCalls, GceOperation } from './compute-calls';
import { lastSegment, parseDiskPath } from './names';

const PROVIDER_ID = /^gce:\/\/([^/]+)\/([^/]+)\/([^/]+)$/;

export interface InstanceRef {
  project: string;
  zone: string;
  name: string;
}

/** Project, zone and name from a node's providerID; InvalidArgument naming the node otherwise. */
export function instanceOf(ref: { nodeName: string; providerId?: string }): InstanceRef {
  const m = PROVIDER_ID.exec(ref.providerId ?? '');
  if (m === null) {
    throw invalidArgument(
      `node ${ref.nodeName} has no GCE providerID like gce://my-project/us-central1-a/gke-pool-1234 (got "${ref.providerId ?? ''}")`,
      { reason: 'providerId' },
    );
  }
  return { project: m[1]!, zone: m[2]!, name: m[3]! };
}

/** An instance URL or path (`…/projects/P/zones/Z/instances/N`) as a reference. */
export function instanceOfUrl(url: string): InstanceRef | undefined {
  const m = /projects\/([^/]+)\/zones\/([^/]+)\/instances\/([^/]+)$/.exec(url);
  return m === null ? undefined : { project: m[1]!, zone: m[2]!, name: m[3]! };
}

/** The instance, or undefined when Compute Engine no longer has it. */
function getInstance(calls: ComputeCalls, i: { project: string; zone: string; name: string }) {
  return calls.maybe(
    `instances.get ${i.name}`,
    'compute.instances.get',
    async () =>
      (
        await calls.instances.get({ project: i.project, zone: i.zone, instance: i.name }, calls.callOptions)
      )[0],
  );
}

/** The instance's state as the contract names it; one Compute Engine no longer has is terminated. */
export async function instanceState(calls: ComputeCalls, i: InstanceRef): Promise<InstanceState> {
  const found = await getInstance(calls, i);
  switch (String(found?.status ?? 'GONE')) {
    case 'GONE':
    case 'TERMINATED':
      // TERMINATED is Compute Engine's word for a stopped VM that is kept.
      return found === undefined ? 'terminated' : 'stopped';
    case 'PROVISIONING':
    case 'STAGING':
    case 'RUNNING':
    case 'REPAIRING':
      return 'running';
    case 'STOPPING':
    case 'SUSPENDING':
      return 'stopping';
    case 'STOPPED':
    case 'SUSPENDED':
      return 'stopped';
    default:
      return 'unknown';
  }
}

/**
 * Stops the instance (no guest shutdown wait beyond Compute Engine's own). A stopped instance
 * is accepted again; one Compute Engine no longer has cannot write any more, so that is done too.
 */
export async function stopInstance(calls: ComputeCalls, i: InstanceRef): Promise<GceOperation | undefined> {
  try {
    return await calls.call(`instances.stop ${i.name}`, 'compute.instances.stop', async () => {
      const [lro] = await calls.instances.stop(
        { project: i.project, zone: i.zone, instance: i.name },
        calls.callOptions,
      );
      return lro.latestResponse as GceOperation;
    });
  } catch (err) {
    if (err instanceof DriverError && err.code === 'NotFound') return undefined;
    throw err;
  }
}

/**
 * Detaches the disk at `diskHandle` from one instance: finds the device name the instance gives
 * it, then instances.detachDisk. Already detached or gone: nothing to do.
 */
export async function detachFrom(
  calls: ComputeCalls,
  instanceUrl: string,
  diskHandle: string,
): Promise<void> {
  const i = instanceOfUrl(instanceUrl);
  if (i === undefined) return;
  const found = await getInstance(calls, i);
  const target = parseDiskPath(diskHandle);
  const device = found?.disks?.find((d) => {
    const p = d.source ? parseDiskPath(d.source) : undefined;
    return (
      p !== undefined &&
      target !== undefined &&
      p.name === target.name &&
      JSON.stringify(p.scope) === JSON.stringify(target.scope)
    );
  })?.deviceName;
  if (device === undefined || device === null) return;
  try {
    await calls.call(`instances.detachDisk ${i.name}`, 'compute.instances.detachDisk', () =>
      calls.instances.detachDisk(
        {
          project: i.project,
          zone: lastSegment(i.zone),
          instance: i.name,
          deviceName: device,
        },
        calls.callOptions,
      ),
    );
  } catch (err) {
    if (!(err instanceof DriverError && (err.code === 'NotFound' || err.code === 'InvalidArgument')))
      throw err;
  }
}
