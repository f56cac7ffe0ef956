// The VMs behind AKS nodes: a Uniform scale set's VMs (the usual node pool) or standalone VMs
// (VMSS Flex). Force-detach goes through the VM's attachDetachDataDisks with detachOption
// ForceDetach; fencing powers the VM off without a shutdown; its power state comes from the
// instance view.
//
// Azure runs one update of a VM at a time, and a detach sent while another update of the same VM
// runs is refused or queued behind it. So the driver sends one VM update at a time per VM in this
// process (a lock around the check and the send), and refuses with a retryable error while the VM
// reports an update in progress.
import type { InstanceState } from '../driver';
import { DriverError } from '../errors';
import type { ArmCalls } from './arm-calls';
import { startLro } from './arm-lro';
import type { VmRef } from './arm-names';

const vmLocks = new Map<string, Promise<unknown>>();

/** Runs `fn` after every earlier `withVmLock` of the same VM in this process has finished. */
async function withVmLock<T>(vm: VmRef, fn: () => Promise<T>): Promise<T> {
  const key = vm.id.toLowerCase();
  const previous = vmLocks.get(key) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(fn);
  const settled = run.catch(() => undefined);
  vmLocks.set(key, settled);
  try {
    return await run;
  } finally {
    if (vmLocks.get(key) === settled) vmLocks.delete(key);
  }
}

function vmLabel(vm: VmRef): string {
  return vm.kind === 'vm' ? `VM ${vm.name}` : `VM ${vm.scaleSet}/${vm.instanceId}`;
}

/** The VM's provisioning state, or undefined when the VM is gone. */
async function vmProvisioningState(arm: ArmCalls, vm: VmRef): Promise<string | undefined> {
  const found =
    vm.kind === 'vm'
      ? await arm.maybe(`GET ${vmLabel(vm)}`, (c, o) => c.virtualMachines.get(vm.resourceGroup, vm.name, o))
      : await arm.maybe(`GET ${vmLabel(vm)}`, (c, o) =>
          c.virtualMachineScaleSetVMs.get(vm.resourceGroup, vm.scaleSet, vm.instanceId, o),
        );
  return found === undefined ? undefined : (found.provisioningState ?? 'Succeeded');
}

/**
 * Starts a force-detach of `diskId` from `vm`; the serialized operation, or undefined when the
 * VM is gone (nothing left to detach from).
 */
export function forceDetachFrom(arm: ArmCalls, vm: VmRef, diskId: string): Promise<string | undefined> {
  return withVmLock(vm, async () => {
    const state = await vmProvisioningState(arm, vm);
    if (state === undefined) return undefined;
    if (state.toLowerCase() === 'updating') {
      throw new DriverError(
        'Transient',
        `${vmLabel(vm)} is being updated; the detach waits for it to finish`,
        {
          details: { reason: 'vmBusy' },
        },
      );
    }
    const body = { dataDisksToDetach: [{ diskId, detachOption: 'ForceDetach' as const }] };
    return startLro(arm, `force-detach from ${vmLabel(vm)}`, (c, o) =>
      vm.kind === 'vm'
        ? c.virtualMachines.attachDetachDataDisks(vm.resourceGroup, vm.name, body, o)
        : c.virtualMachineScaleSetVMs.attachDetachDataDisks(
            vm.resourceGroup,
            vm.scaleSet,
            vm.instanceId,
            body,
            o,
          ),
    );
  });
}

/** Powers the VM off at once (no guest shutdown: it must stop writing now); undefined when gone. */
export function powerOff(arm: ArmCalls, vm: VmRef): Promise<string | undefined> {
  return withVmLock(vm, async () => {
    if ((await vmProvisioningState(arm, vm)) === undefined) return undefined;
    const options = { skipShutdown: true };
    return startLro(arm, `power off ${vmLabel(vm)}`, (c, o) =>
      vm.kind === 'vm'
        ? c.virtualMachines.powerOff(vm.resourceGroup, vm.name, { ...o, ...options })
        : c.virtualMachineScaleSetVMs.powerOff(vm.resourceGroup, vm.scaleSet, vm.instanceId, {
            ...o,
            ...options,
          }),
    );
  });
}

/** The VM's power state as the contract names it; a VM Azure no longer has is terminated. */
export async function vmState(arm: ArmCalls, vm: VmRef): Promise<InstanceState> {
  const view =
    vm.kind === 'vm'
      ? await arm.maybe(`instance view of ${vmLabel(vm)}`, (c, o) =>
          c.virtualMachines.instanceView(vm.resourceGroup, vm.name, o),
        )
      : await arm.maybe(`instance view of ${vmLabel(vm)}`, (c, o) =>
          c.virtualMachineScaleSetVMs.getInstanceView(vm.resourceGroup, vm.scaleSet, vm.instanceId, o),
        );
  if (view === undefined) return 'terminated';
  const power = (view.statuses ?? []).find((s) => s.code?.startsWith('PowerState/'))?.code;
  switch (power) {
    case 'PowerState/running':
    case 'PowerState/starting':
      return 'running';
    case 'PowerState/stopping':
    case 'PowerState/deallocating':
      return 'stopping';
    case 'PowerState/stopped':
    case 'PowerState/deallocated':
      return 'stopped';
    default:
      return 'unknown';
  }
}
