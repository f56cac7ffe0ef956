// ARM resource names and ids of the aks driver. A disk's or snapshot's ARM name comes from its
// idempotency key (PUT by name is Azure's idempotency: a retried create PUTs the same resource),
// with its Kompox name in front for people reading the portal. The Kompox name itself lives in
// tags, so two creates of one Kompox name under different keys never PUT the same resource.
import { invalidArgument } from '../errors';
import { keyName } from '../idempotency';

export type ArmKind = 'disks' | 'snapshots';

/** At most 80 characters (Azure's limit for disk and snapshot names): prefix, name, key hash. */
export function armName(kompoxName: string, idempotencyKey: string): string {
  return `kompox-${kompoxName.slice(0, 50)}-${keyName(idempotencyKey, 16)}`;
}

export function armId(subscriptionId: string, resourceGroup: string, kind: ArmKind, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/${kind}/${name}`;
}

/** The last segment of an ARM id: the resource's name. */
export function nameOfArmId(id: string): string {
  return (
    id
      .split('/')
      .filter((s) => s !== '')
      .pop() ?? ''
  );
}

/** A virtual machine, standalone (or VMSS Flex) or a VM of a Uniform scale set (AKS node pools). */
export type VmRef =
  | { kind: 'vm'; id: string; resourceGroup: string; name: string }
  | { kind: 'vmssVm'; id: string; resourceGroup: string; scaleSet: string; instanceId: string };

const VMSS_VM =
  /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachineScaleSets\/([^/]+)\/virtualMachines\/([^/]+)$/i;
const VM =
  /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines\/([^/]+)$/i;

/** The VM an ARM id (a disk's managedBy) names, or undefined for anything else. */
export function vmOfArmId(id: string): VmRef | undefined {
  const ss = VMSS_VM.exec(id);
  if (ss !== null) return { kind: 'vmssVm', id, resourceGroup: ss[1]!, scaleSet: ss[2]!, instanceId: ss[3]! };
  const vm = VM.exec(id);
  if (vm !== null) return { kind: 'vm', id, resourceGroup: vm[1]!, name: vm[2]! };
  return undefined;
}

/** The VM behind a node's providerID (`azure:///subscriptions/...`); InvalidArgument otherwise. */
export function vmOfProviderId(nodeName: string, providerId: string | undefined): VmRef {
  const vm = providerId?.startsWith('azure://') ? vmOfArmId(providerId.slice('azure://'.length)) : undefined;
  if (vm === undefined) {
    throw invalidArgument(
      `node ${nodeName} has no Azure providerID like azure:///subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/virtualMachineScaleSets/<set>/virtualMachines/<n> (got "${providerId ?? ''}")`,
      { reason: 'providerId' },
    );
  }
  return vm;
}
