// The driver contract on the `k3s` provider: disks are PVCs of the dev cluster's real CSI stack
// (Kompox's dev CSI plugin behind Kubernetes' provisioner, attacher and snapshotter).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, stopCluster } from '../../dev/cluster';
import type { DriverContext } from '../../drivers/driver';
import { createDriver } from '../../drivers/registry';
import { loadKubeConfig } from '../../kube/kubeconfig';
import { describeDriverContract } from './driver-contract';

describeDriverContract({
  name: 'k3s',
  async start() {
    const dir = mkdtempSync(join(tmpdir(), 'kompox-contract-k3s-'));
    try {
      const info = await startCluster({ dir, build: true });
      const kc = loadKubeConfig({ path: info.kubeconfigPath });
      const ctx: Omit<DriverContext, 'kubeConfig'> = {
        workspace: 'ws',
        provider: 'k3s-contract',
        cluster: 'dev',
        providerSettings: {},
        clusterSettings: {},
        stateDir: dir,
      };
      return {
        driver: await createDriver('k3s', { ...ctx, kubeConfig: async () => kc }),
        spec: { driver: 'k3s', ctx, kubeconfigPath: info.kubeconfigPath },
        homeZones: ['local-1a', 'local-1b'],
        faults: { reason: 'the Kubernetes API server has no fault injection' },
        async stop() {
          await stopCluster(dir).catch(() => undefined);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      await stopCluster(dir).catch(() => undefined);
      throw err;
    }
  },
});
