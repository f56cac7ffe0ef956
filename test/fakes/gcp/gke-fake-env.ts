// What a gke test needs around the Compute Engine fake: a service account key written for
// Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, the chain's first link), the
// fake started with that key's public half, and the driver context that points at it through
// CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE. The key signs its own JWTs, so no token endpoint is
// needed; its token_uri points at the fake, which has none, so any attempt to use one fails loudly.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DriverContext } from '../../../drivers/driver';
import { CloudModel, type CloudModelOptions } from '../cloud-model';
import { type ComputeFake, startComputeFake } from './compute-fake';

export const GKE_TEST_PROJECT = 'kompox-test-project';
export const GKE_TEST_REGIONS = [
  { name: 'us-central1', zones: ['us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f'] },
  { name: 'us-east1', zones: ['us-east1-b', 'us-east1-c', 'us-east1-d'] },
];

export interface GkeFakeEnv {
  fake: ComputeFake;
  model: CloudModel;
  ctx: DriverContext;
  dir: string;
  stop(): Promise<void>;
}

export async function startGkeFakeEnv(
  model: Omit<CloudModelOptions, 'regions'>,
  provider = 'gke-contract',
): Promise<GkeFakeEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'kompox-gke-'));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cloud = new CloudModel({ regions: GKE_TEST_REGIONS, ...model });
  const fake = await startComputeFake(cloud, {
    project: GKE_TEST_PROJECT,
    jwtPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  });
  const keyFile = join(dir, 'service-account.json');
  writeFileSync(
    keyFile,
    JSON.stringify({
      type: 'service_account',
      project_id: GKE_TEST_PROJECT,
      private_key_id: randomUUID().replace(/-/g, ''),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: `kompox-worker@${GKE_TEST_PROJECT}.iam.gserviceaccount.com`,
      client_id: '100000000000000000001',
      token_uri: `${fake.endpoint}/token`,
    }),
  );
  // The worker's environment: child processes (SIGKILL cases) inherit it.
  process.env.GOOGLE_APPLICATION_CREDENTIALS = keyFile;
  const ctx: DriverContext = {
    workspace: 'ws',
    provider,
    cluster: 'prod',
    providerSettings: {
      GCP_PROJECT: GKE_TEST_PROJECT,
      GCP_REGION: 'us-central1',
      GCP_REGIONS: 'us-east1',
      CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE: fake.computeEndpoint,
    },
    clusterSettings: {},
    stateDir: dir,
  };
  return {
    fake,
    model: cloud,
    ctx,
    dir,
    async stop() {
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
