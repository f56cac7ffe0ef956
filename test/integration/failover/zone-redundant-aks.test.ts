// Zone-redundant disks end to end on the `aks` provider (Premium_ZRS managed disks on the Azure
// fake, through @azure/arm-compute): the kwok nodes sit in eastus2's zones as standalone VMs of
// the fake, and the failover powers the failed node's VM off through the driver. The story and
// its assertions are zone-redundant-suite.ts's.
import { describe } from 'node:test';
import { AZURE_DISK_CSI_DRIVER } from '../../../drivers/aks/aks-driver';
import { ArmFake, NODE_RESOURCE_GROUP } from '../../fakes/azure/arm-fake';
import {
  FAKE_SUBSCRIPTION,
  HOME_LOCATION,
  latencyFromEnv,
  startAzureFake,
} from '../../fakes/azure/start-azure-fake';
import { zoneRedundantSuite } from '../../helpers/zone-redundant-suite';

const VMS = `/subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/${NODE_RESOURCE_GROUP}/providers/Microsoft.Compute/virtualMachines/`;

void describe('zone-redundant disks on aks: a zone outage and a zone move reattach the same ZRS disks', () => {
  zoneRedundantSuite({
    driver: 'aks',
    region: HOME_LOCATION,
    zones: ['1', '2', '3'].map((z) => ArmFake.modelZone(HOME_LOCATION, z)),
    appZone: '1',
    volumeOptions: '{ sku: Premium_ZRS }',
    csi: { driver: AZURE_DISK_CSI_DRIVER },
    // As the azuredisk CSI driver does for ZRS: the disk attaches in any zone of its region.
    pvZones: 'unpinned',
    nodeProviderId: `azure://${VMS}{node}`,
    async start(nodes) {
      const azure = await startAzureFake({ faultRate: 0, latencyMs: latencyFromEnv() });
      for (const n of nodes) azure.model.addMachine(n.name, n.zone);
      return azure;
    },
    creates: (r) => r.method === 'PUT' && /\/Microsoft\.Compute\/(disks|snapshots)\//i.test(r.path),
    stops: (r, vm) => r.method === 'POST' && r.path.endsWith(`/virtualMachines/${vm.name}/powerOff`),
  });
});
