// A worker stand-in for the SIGKILL cases: builds the driver from a DriverSpec, starts one
// operation, and writes what an activity would heartbeat to files: the intent before the cloud
// call, then the operation handle. The parent kills it with SIGKILL at the point it tests.
//   node child-driver.js <spec.json> <request.json> <outDir>
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  CopySnapshotRequest,
  CreateDiskRequest,
  CreateSnapshotRequest,
  DriverContext,
} from '../../drivers/driver';
import { createDriver } from '../../drivers/registry';
import { loadKubeConfig } from '../../kube/kubeconfig';
import type { DriverSpec } from './driver-fixture';

export type ChildRequest =
  | { kind: 'createDisk'; request: CreateDiskRequest }
  | { kind: 'createSnapshot'; request: CreateSnapshotRequest }
  | { kind: 'copySnapshot'; request: CopySnapshotRequest };

async function main(): Promise<void> {
  const [specFile, requestFile, outDir] = process.argv.slice(2);
  if (!specFile || !requestFile || !outDir) throw new Error('usage: child-driver <spec> <request> <outDir>');
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as DriverSpec;
  const req = JSON.parse(readFileSync(requestFile, 'utf8')) as ChildRequest;
  const ctx: DriverContext = {
    ...spec.ctx,
    ...(spec.kubeconfigPath ? { kubeConfig: async () => loadKubeConfig({ path: spec.kubeconfigPath }) } : {}),
  };
  const driver = await createDriver(spec.driver, ctx);
  const intents = {
    retried: false,
    record: (intent: unknown) => writeFileSync(join(outDir, 'intent.json'), JSON.stringify(intent)),
  };
  const op =
    req.kind === 'createDisk'
      ? await driver.beginCreateDisk(req.request)
      : req.kind === 'createSnapshot'
        ? await driver.beginCreateSnapshot(req.request, intents)
        : await driver.beginCopySnapshot(req.request, intents);
  // The moment between the cloud call and the first heartbeat of the handle.
  writeFileSync(join(outDir, 'begun'), '');
  if (process.env.CHILD_DIE_BEFORE_HEARTBEAT === '1') process.kill(process.pid, 'SIGKILL');
  writeFileSync(join(outDir, 'handle.json'), JSON.stringify(op));
  // Wait to be killed, as a worker polling a long operation would be.
  setInterval(() => undefined, 60_000);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
