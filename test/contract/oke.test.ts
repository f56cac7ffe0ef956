// The driver contract on the `oke` provider: the real oci-core SDK against the OCI Core API fake
// (test/fakes/oci) on the shared cloud model, with 10 % seeded transient faults on mutating calls
// (half of them after the effect: lost replies). The driver finds the fake as it would find OCI:
// its config file through OCI_CONFIG_FILE (a key made now) and the endpoint setting
// OCI_CLI_ENDPOINT, both of which a child process inherits from the spec and the environment.
// KOMPOX_FAKE_LATENCY=realistic gives long operations their rough real durations.
import { createOkeDriver } from '../../drivers/oke/oke-driver';
import { describeDriverContract } from './driver-contract';
import { startOkeWorld } from './oke-world';

describeDriverContract({
  name: 'oke',
  async start() {
    const world = await startOkeWorld('contract-oke', 0.1);
    const { model, fake, ctx } = world;
    const driver = createOkeDriver(ctx, {
      retryBaseDelayMs: 10,
      consistencyWindowMs: 300,
      lookupIntervalMs: 50,
    });
    let nodes = 0;
    return {
      driver,
      spec: { driver: 'oke', ctx },
      homeZones: ['AD-1', 'AD-2'],
      otherRegionZone: 'US-ASHBURN-AD-2',
      attach: async (disk) => fake.attach(disk.handle),
      // An OKE node: named by its private IP, with the instance OCID as providerID.
      async machine(zone) {
        const ad = (await driver.resolveZone(zone)).provider;
        const nodeName = `10.0.10.${++nodes}`;
        return { nodeName, providerId: `oci://${fake.addInstance(ad, nodeName)}` };
      },
      faults: {
        throttleCreateDisk: (times) => model.inject('CreateVolume', 'throttle', times),
        denyCreateDisk: () => model.inject('CreateVolume', 'denied'),
        cloudCalls: () => model.requests.length,
        clear: () => model.clearFaults(),
      },
      async cloudSnapshotsTagged(key, value) {
        return model.tagged(model.snapshots, { [key]: value }).length;
      },
      stop: () => world.stop(),
    };
  },
});
