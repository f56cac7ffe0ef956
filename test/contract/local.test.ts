// The driver contract on the `local` provider: disks are directories under a throwaway root.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DriverContext } from '../../drivers/driver';
import { LocalDriver } from '../../drivers/local/local-driver';
import { createDriver } from '../../drivers/registry';
import { describeDriverContract } from './driver-contract';

describeDriverContract({
  name: 'local',
  async start() {
    const stateDir = mkdtempSync(join(tmpdir(), 'kompox-contract-local-'));
    const ctx: DriverContext = {
      workspace: 'ws',
      provider: 'local-contract',
      cluster: 'dev',
      providerSettings: {},
      clusterSettings: {},
      stateDir,
    };
    const driver = await createDriver('local', ctx);
    if (!(driver instanceof LocalDriver)) throw new Error('the registry did not give the local driver');
    return {
      driver,
      spec: { driver: 'local', ctx },
      homeZones: ['local-1a', 'local-1b'],
      otherRegionZone: 'local-2a',
      // The local cloud's machines are names: attaching records one, as a node's kubelet would.
      async attach(disk) {
        await driver.simulateAttach(
          { app: disk.appName, volume: disk.volumeName, name: disk.name },
          { instanceId: 'local-machine-1', nodeName: 'node-1' },
        );
        return 'local-machine-1';
      },
      // Any node name is a machine of the local cloud, running until fenced.
      machine: async (zone) => ({ nodeName: `kwok-${zone}-9` }),
      faults: {
        reason:
          'local faults are probabilities fixed when the driver is built (LOCAL_FAULTS); test/unit/drivers/local-resilience.test.ts covers them',
      },
      stop: async () => rmSync(stateDir, { recursive: true, force: true }),
    };
  },
});
