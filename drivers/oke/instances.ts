// The compute instances behind OKE nodes: found from the node's providerID (the instance OCID,
// with or without the `oci://` prefix the OCI cloud controller manager accepts), powered off to
// fence them, and asked for their state. OKE names nodes by private IP, which only a VNIC lookup
// could map to an instance, so a node without providerID is `unknown`.
import type { InstanceState } from '../driver';
import { DriverError, invalidArgument } from '../errors';
import type { OciCalls } from './oci-calls';
import type { OkeZones } from './zones';

const INSTANCE_OCID = /^(?:oci:\/\/)?(ocid1\.instance\.[a-z0-9-]+\.([a-z0-9-]+)\.[A-Za-z0-9._-]+)$/;

/** Region and instance OCID from a node's providerID; InvalidArgument naming the node otherwise. */
export function instanceOf(
  ref: { nodeName: string; providerId?: string },
  zones: OkeZones,
): { region: string; instanceId: string } {
  const m = INSTANCE_OCID.exec(ref.providerId ?? '');
  const segment = m?.[2] ?? '';
  const region = zones.regionOfKey(segment);
  if (m === null || region === undefined) {
    throw invalidArgument(
      `node ${ref.nodeName} has no OCI providerID like ocid1.instance.oc1.phx.… in a region the driver sees (got "${ref.providerId ?? ''}")`,
      { reason: 'providerId' },
    );
  }
  return { region, instanceId: m[1]! };
}

/**
 * Powers the instance off (STOP is immediate, unlike SOFTSTOP). A stopped one is accepted by OCI;
 * a terminated or unknown one cannot write any more, so that is done too.
 */
export async function stopInstance(oci: OciCalls, region: string, instanceId: string): Promise<void> {
  try {
    await oci.compute(region, 'InstanceAction STOP', (c) => c.instanceAction({ instanceId, action: 'STOP' }));
  } catch (err) {
    if (!(err instanceof DriverError && (err.code === 'NotFound' || err.code === 'Conflict'))) throw err;
  }
}

export async function instanceState(
  oci: OciCalls,
  region: string,
  instanceId: string,
): Promise<InstanceState> {
  const got = await oci.maybe(oci.compute(region, 'GetInstance', (c) => c.getInstance({ instanceId })));
  switch (got?.instance.lifecycleState) {
    case undefined:
    case 'TERMINATED':
    case 'TERMINATING':
      return 'terminated';
    case 'PROVISIONING':
    case 'STARTING':
    case 'RUNNING':
    case 'MOVING':
    case 'CREATING_IMAGE':
      return 'running';
    case 'STOPPING':
      return 'stopping';
    case 'STOPPED':
      return 'stopped';
    default:
      return 'unknown';
  }
}
