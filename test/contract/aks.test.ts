// The driver contract on the `aks` provider: the real @azure/arm-compute and @azure/identity
// against the Azure fake (test/fakes/azure/), with 10 % of the writes failing transiently (half of
// them after their effect, the reply lost), from a fixed seed. The driver finds the fake as it
// would find a private Azure cloud: the AZURE_RESOURCE_MANAGER_ENDPOINT setting, a trusted CA, and
// a managed identity in the environment. KOMPOX_FAKE_LATENCY=realistic gives the operations
// realistic (scaled) latencies.
import type { DriverContext } from '../../drivers/driver';
import { createAksDriver } from '../../drivers/aks/aks-driver';
import { ArmFake } from '../fakes/azure/arm-fake';
import { HOME_LOCATION, latencyFromEnv, startAzureFake } from '../fakes/azure/start-azure-fake';
import { describeDriverContract } from './driver-contract';

describeDriverContract({
  name: 'aks',
  async start() {
    const azure = await startAzureFake({ faultRate: 0.1, seed: 7, latencyMs: latencyFromEnv() });
    const { model, arm } = azure;
    const ctx: DriverContext = {
      workspace: 'ws',
      provider: 'aks-contract',
      cluster: 'prod',
      providerSettings: azure.settings,
      clusterSettings: {},
      stateDir: '/nonexistent',
    };
    let machines = 0;
    /** A VM of the AKS node pool's scale set in a zone (KOM spelling) of the home region. */
    const startMachine = (zone: string) =>
      model.addMachine(
        `aks-nodepool1-12345678-vmss${String(++machines).padStart(6, '0')}`,
        ArmFake.modelZone(HOME_LOCATION, zone),
      );
    return {
      driver: createAksDriver(ctx, { retryDelayInMs: 10, maxRetryDelayInMs: 100 }),
      spec: { driver: 'aks', ctx },
      homeZones: ['1', '2'],
      otherRegionZone: 'westus3-2',
      // What the AKS kubelet's attach does: the disk's managedBy becomes the node's VM.
      async attach(disk) {
        const machine = startMachine(disk.zone);
        const held = model.disks.get(disk.handle);
        if (held === undefined) throw new Error(`the fake has no disk ${disk.handle}`);
        held.attachedTo.push(machine.id);
        return arm.vmId(machine);
      },
      // An AKS node: named after its scale-set VM, with an azure:///subscriptions/... providerID.
      async machine(zone) {
        const machine = startMachine(zone);
        return { nodeName: machine.name, providerId: `azure://${arm.vmId(machine)}` };
      },
      faults: {
        throttleCreateDisk: (times) => model.inject('PUT disks', 'throttle', times),
        denyCreateDisk: () => model.inject('PUT disks', 'denied'),
        cloudCalls: () => model.requests.length,
        clear: () => model.clearFaults(),
      },
      async cloudSnapshotsTagged(key, value) {
        return model.tagged(model.snapshots, { [key]: value }).length;
      },
      stop: () => azure.stop(),
    };
  },
});
