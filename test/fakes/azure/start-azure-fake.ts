// Starts the Azure fake (arm-fake.ts) over HTTPS and points the standard credential chain of this
// process, and of every process it starts, at it: the fake's certificate is trusted, and
// DefaultAzureCredential finds a managed identity endpoint (IDENTITY_ENDPOINT, the App Service
// protocol) on the fake. The driver needs only its Provider settings, which name the fake as a
// private ARM endpoint.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudModel, type CloudModelOptions } from '../cloud-model';
import { startHttpFake } from '../http-fake';
import { ArmFake, FAKE_IDENTITY_HEADER } from './arm-fake';
import { makeTestCertificate, trustTestCertificate } from './test-certificate';

export const FAKE_SUBSCRIPTION = '00000000-0000-4000-8000-00000000a45e';
export const HOME_LOCATION = 'eastus2';
export const OTHER_LOCATION = 'westus3';

/** Environment variables of the credential chain that would win over the fake's managed identity. */
const OTHER_CREDENTIALS = [
  'AZURE_CLIENT_ID',
  'AZURE_CLIENT_SECRET',
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_CERTIFICATE_PATH',
  'AZURE_FEDERATED_TOKEN_FILE',
  'AZURE_USERNAME',
  'AZURE_PASSWORD',
  'MSI_ENDPOINT',
  'MSI_SECRET',
];

/** Disk create ~5 s, snapshot ~20 s, copy ~60 s, attach/detach ~10 s (cloud-drivers.md §8 guesses). */
const REALISTIC_MS = {
  createDisk: 5_000,
  createSnapshot: 20_000,
  copySnapshot: 60_000,
  attach: 10_000,
  detach: 10_000,
  '*': 5_000,
};
/** Realistic latencies are run at this share of their length, to keep the run short. */
export const REALISTIC_SCALE = 0.25;

/** Latencies from KOMPOX_FAKE_LATENCY: `realistic` (scaled), otherwise none. */
export function latencyFromEnv(): CloudModelOptions['latencyMs'] {
  if (process.env.KOMPOX_FAKE_LATENCY !== 'realistic') return { '*': 0 };
  return Object.fromEntries(
    Object.entries(REALISTIC_MS).map(([k, v]) => [k, Math.round(v * REALISTIC_SCALE)]),
  );
}

export interface AzureFake {
  model: CloudModel;
  arm: ArmFake;
  endpoint: string;
  /** Provider settings of an aks driver that uses this fake. */
  settings: Record<string, string>;
  stop(): Promise<void>;
}

export async function startAzureFake(options: Omit<CloudModelOptions, 'regions'>): Promise<AzureFake> {
  const dir = mkdtempSync(join(tmpdir(), 'kompox-azure-fake-'));
  const cert = makeTestCertificate(dir);
  trustTestCertificate(cert);
  const model = new CloudModel({
    ...options,
    regions: [HOME_LOCATION, OTHER_LOCATION].map((name) => ({
      name,
      zones: ['1', '2', '3'].map((z) => ArmFake.modelZone(name, z)),
    })),
  });
  const arm = new ArmFake(model, FAKE_SUBSCRIPTION);
  const fake = await startHttpFake(model, arm.handle, cert);
  for (const name of OTHER_CREDENTIALS) delete process.env[name];
  Object.assign(process.env, {
    IDENTITY_ENDPOINT: `${fake.endpoint}/msi/token`,
    IDENTITY_HEADER: FAKE_IDENTITY_HEADER,
  });
  return {
    model,
    arm,
    endpoint: fake.endpoint,
    settings: {
      AZURE_SUBSCRIPTION_ID: FAKE_SUBSCRIPTION,
      AZURE_RESOURCE_GROUP: 'kompox-disks',
      AZURE_LOCATION: HOME_LOCATION,
      AZURE_LOCATIONS: OTHER_LOCATION,
      AZURE_RESOURCE_MANAGER_ENDPOINT: fake.endpoint,
    },
    async stop() {
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
