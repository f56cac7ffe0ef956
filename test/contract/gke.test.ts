// The driver contract on the `gke` provider: @google-cloud/compute (REST) against the Compute
// Engine fake (test/fakes/gcp), with 10 % seeded transient faults (half of them after the effect:
// lost replies) and no latency. KOMPOX_FAKE_LATENCY=realistic gives operations the time they take
// on GCP (disk 5 s, snapshot 20 s, attach and detach 10 s, labels 1 s; not scaled down).
// Credentials come from Application Default Credentials: a service account key file in
// GOOGLE_APPLICATION_CREDENTIALS, whose self-signed JWTs the fake verifies.
import type { CloudModelOptions } from '../fakes/cloud-model';
import { GKE_TEST_PROJECT, startGkeFakeEnv } from '../fakes/gcp/gke-fake-env';
import { createGkeDriver } from '../../drivers/gke/gke-driver';
import { parseDiskPath } from '../../drivers/gke/names';
import { describeDriverContract } from './driver-contract';

const REALISTIC: CloudModelOptions['latencyMs'] = {
  createDisk: 5_000,
  createSnapshot: 20_000,
  copySnapshot: 60_000,
  attach: 10_000,
  detach: 10_000,
  '*': 1_000,
};

describeDriverContract({
  name: process.env.KOMPOX_FAKE_LATENCY === 'realistic' ? 'gke (realistic latency)' : 'gke',
  async start() {
    const env = await startGkeFakeEnv({
      faultRate: 0.1,
      seed: 7,
      ...(process.env.KOMPOX_FAKE_LATENCY === 'realistic' ? { latencyMs: REALISTIC } : {}),
    });
    const { fake, model, ctx } = env;
    // Short pauses between retries keep the run quick; the child (SIGKILL cases) builds the
    // driver through the registry with the defaults, as a worker does.
    const driver = createGkeDriver(ctx, { backoffMs: 100 });
    let machines = 0;
    const machine = (zone: string) => model.addMachine(`gke-pool-${++machines}`, zone);
    const instanceUrl = (zone: string, name: string) =>
      `https://www.googleapis.com/compute/v1/projects/${GKE_TEST_PROJECT}/zones/${zone}/instances/${name}`;
    return {
      driver,
      spec: { driver: 'gke', ctx },
      homeZones: ['us-central1-a', 'us-central1-b'],
      otherRegionZone: 'us-east1-c',
      // What a kubelet's attach does in the cloud: the disk lists the VM among its users.
      async attach(disk) {
        const vm = machine(disk.zones[0]!);
        fake.diskNamed(parseDiskPath(disk.handle)!.name)!.attachedTo.push(vm.id);
        return instanceUrl(vm.zone, vm.name);
      },
      // A GKE node: named after its VM, with a gce://<project>/<zone>/<name> providerID.
      async machine(zone) {
        const vm = machine(zone);
        return { nodeName: vm.name, providerId: `gce://${GKE_TEST_PROJECT}/${zone}/${vm.name}` };
      },
      faults: {
        throttleCreateDisk: (times) => model.inject('disks.insert', 'throttle', times),
        denyCreateDisk: () => model.inject('disks.insert', 'denied'),
        cloudCalls: () => model.requests.length,
        clear: () => model.clearFaults(),
      },
      async cloudSnapshotsTagged(key, value) {
        return model.tagged(model.snapshots, { [key]: value }).length;
      },
      async stop() {
        await driver.close();
        await env.stop();
      },
    };
  },
});
