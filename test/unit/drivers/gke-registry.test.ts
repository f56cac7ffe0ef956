// The gke driver through the registry: the module and @google-cloud/compute load only when a
// Provider with `driver: gke` is used, and its settings are checked when the driver is built.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDriver } from '../../../drivers/registry';

const loaded = (part: string): boolean => Object.keys(require.cache).some((k) => k.includes(part));
const ctx = (providerSettings: Record<string, string>) => ({
  workspace: 'ws',
  provider: 'p',
  cluster: 'c',
  providerSettings,
  clusterSettings: {},
  stateDir: '/tmp/x',
});

void describe('gke in the registry', () => {
  void it('loads the driver and the Google SDK only when asked, and says what it can do', async () => {
    assert.equal(loaded('gke-driver.js'), false);
    assert.equal(loaded('@google-cloud/compute'), false);
    const driver = await createDriver('gke', ctx({ GCP_REGION: 'us-central1', GCP_PROJECT: 'my-project' }));
    assert.equal(driver.driverName, 'gke');
    assert.equal(loaded('gke-driver.js'), true);
    assert.equal(loaded('@google-cloud/compute'), true);
    assert.deepEqual(driver.capabilities, {
      forceDetach: false,
      fence: true,
      zoneRedundantDisks: true,
      incrementalSnapshots: true,
      crossRegionCopy: true,
      diskFromDisk: true,
      instanceState: true,
    });
    assert.deepEqual(
      driver.pvSource({
        handle: 'projects/my-project/zones/us-central1-a/disks/kd-x',
        size: 10,
        zones: ['us-central1-a'],
        zoneRedundant: false,
        options: {},
      } as never),
      {
        volumeHandle: 'projects/my-project/zones/us-central1-a/disks/kd-x',
        capacityBytes: 10,
        accessModes: ['ReadWriteOnce'],
        volumeMode: 'Filesystem',
        csi: { driver: 'pd.csi.storage.gke.io', fsType: 'ext4', volumeAttributes: {} },
        topology: { key: 'topology.gke.io/zone', values: ['us-central1-a'] },
      },
    );
  });

  void it('refuses an unknown GCP_ setting and a missing region when the driver is built', async () => {
    await assert.rejects(createDriver('gke', ctx({ GCP_REGION: 'us-central1', GCP_ZONE: 'a' })), {
      code: 'InvalidArgument',
      message: /unknown gke setting GCP_ZONE/,
    });
    await assert.rejects(createDriver('gke', ctx({})), {
      code: 'InvalidArgument',
      message: /set GCP_REGION/,
    });
  });
});
