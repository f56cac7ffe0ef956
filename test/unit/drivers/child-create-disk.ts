// Child process for the SIGKILL test: starts restoring snapshot s1 into disk `restored` and
// polls until done (unless killed first). Run as: node child-create-disk.js <stateDir>

import { waitForOperation } from '../../../drivers/long-operation';
import { LocalDriver } from '../../../drivers/local/local-driver';

async function main(): Promise<void> {
  const stateDir = process.argv[2];
  if (stateDir === undefined) throw new Error('usage: child-create-disk <stateDir>');
  const driver = new LocalDriver({
    workspace: 'ws1',
    provider: 'prv1',
    cluster: 'cls1',
    providerSettings: {},
    clusterSettings: {},
    stateDir,
  });
  const op = await driver.beginCreateDisk({
    app: 'wiki',
    volume: 'db',
    name: 'restored',
    sizeBytes: 1024 ** 3,
    source: { kind: 'snapshot', name: 's1' },
    idempotencyKey: 'restore-after-kill',
  });
  await waitForOperation(driver, op, { intervalMs: 1, maxIntervalMs: 1 });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
