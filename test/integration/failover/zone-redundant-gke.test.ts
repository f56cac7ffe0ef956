// Zone-redundant disks end to end on the `gke` provider (regional Persistent Disks on the Compute
// Engine fake, through @google-cloud/compute): the kwok nodes sit in us-central1's zones as
// instances of the fake, and the failover stops the failed node's instance through the driver.
// A regional disk spans two zones (the App zone and the next), so its PVs allow those two and the
// failover lands in the second. The story and its assertions are zone-redundant-suite.ts's.
import { describe } from 'node:test';
import { GKE_TOPOLOGY_KEY, PD_CSI_DRIVER } from '../../../drivers/gke/gke-driver';
import { GKE_TEST_PROJECT, GKE_TEST_REGIONS, startGkeFakeEnv } from '../../fakes/gcp/gke-fake-env';
import { zoneRedundantSuite } from '../../helpers/zone-redundant-suite';

const REGION = GKE_TEST_REGIONS[0]!;
const ZONES = REGION.zones.slice(0, 3);

void describe('zone-redundant disks on gke: a zone outage and a zone move reattach the same regional PDs', () => {
  zoneRedundantSuite({
    driver: 'gke',
    region: REGION.name,
    zones: ZONES,
    appZone: ZONES[0]!,
    volumeOptions: '{ zoneRedundant: "true" }',
    csi: { driver: PD_CSI_DRIVER, volumeAttributes: { 'force-attach': 'true' } },
    pvZones: { key: GKE_TOPOLOGY_KEY, values: ZONES.slice(0, 2) },
    // The PD CSI node plugin labels GKE nodes so; PVs and the pod's required zones use it.
    nodeZoneLabels: [GKE_TOPOLOGY_KEY],
    nodeProviderId: `gce://${GKE_TEST_PROJECT}/{zone}/{node}`,
    async start(nodes) {
      const gcp = await startGkeFakeEnv({ faultRate: 0, latencyMs: { '*': 0 } }, 'gke-zrs');
      for (const n of nodes) gcp.model.addMachine(n.name, n.zone);
      return { model: gcp.model, settings: gcp.ctx.providerSettings, stop: () => gcp.stop() };
    },
    // disks.insert, regionDisks.insert, disks.createSnapshot, snapshots.insert.
    creates: (r) => r.method === 'POST' && /\/(disks|snapshots|createSnapshot)$/.test(r.path),
    stops: (r, vm) => r.method === 'POST' && r.path.endsWith(`/zones/${vm.zone}/instances/${vm.name}/stop`),
  });
});
