// What the oke contract fixture and the oke resume test share: the OCI Core API fake on a cloud
// model, a config file with a key made now (found through OCI_CONFIG_FILE, as a worker finds
// it), and the context a worker builds the driver from, endpoint setting included, so a child
// process gets the same driver from the spec and the inherited environment.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DriverContext } from '../../drivers/driver';
import { CloudModel, type CloudModelOptions } from '../fakes/cloud-model';
import { type OciCoreFake, startOciCoreFake } from '../fakes/oci/core-fake';
import { writeOciConfig } from '../fakes/oci/credentials';

export const OKE_HOME = 'us-phoenix-1';
export const OKE_REGIONS = [
  { name: 'us-phoenix-1', zones: ['Uocm:PHX-AD-1', 'Uocm:PHX-AD-2', 'Uocm:PHX-AD-3'] },
  // Ashburn's AD names carry the region's name, not its key (iad), as in OCI.
  { name: 'us-ashburn-1', zones: ['Uocm:US-ASHBURN-AD-1', 'Uocm:US-ASHBURN-AD-2'] },
];

/** Rough real durations (not published by OCI: see the report); zero unless asked for. */
export function okeLatency(): CloudModelOptions['latencyMs'] {
  if (process.env.KOMPOX_FAKE_LATENCY !== 'realistic') return {};
  return {
    createDisk: 5000,
    createSnapshot: 20_000,
    copySnapshot: 60_000,
    attach: 10_000,
    detach: 10_000,
    '*': 2000,
  };
}

export interface OkeWorld {
  dir: string;
  model: CloudModel;
  fake: OciCoreFake;
  ctx: DriverContext;
  stop(): Promise<void>;
}

/** The fake, a config file with a fresh key, and the context a worker would build the driver from. */
export async function startOkeWorld(
  name: string,
  faultRate: number,
  latencyMs: CloudModelOptions['latencyMs'] = okeLatency(),
): Promise<OkeWorld> {
  const dir = mkdtempSync(join(tmpdir(), `kompox-${name}-`));
  const model = new CloudModel({ regions: OKE_REGIONS, faultRate, seed: 20160918, latencyMs });
  const fake = await startOciCoreFake(model);
  Object.assign(process.env, {
    OCI_CONFIG_FILE: writeOciConfig(dir, 'KOMPOX', OKE_HOME),
    OCI_SDK_DEFAULT_CIRCUITBREAKER_ENABLED: 'false',
  });
  const ctx: DriverContext = {
    workspace: 'ws',
    provider: 'oke-contract',
    cluster: 'prod',
    providerSettings: {
      OCI_COMPARTMENT_ID: 'ocid1.compartment.oc1..kompoxcontract',
      OCI_AVAILABILITY_DOMAINS: OKE_REGIONS.map((r) => `${r.name}=${r.zones.join(',')}`).join(';'),
      OCI_REGION: OKE_HOME,
      OCI_CLI_PROFILE: 'KOMPOX',
      OCI_CLI_ENDPOINT: fake.endpointTemplate,
    },
    clusterSettings: {},
    stateDir: dir,
  };
  return {
    dir,
    model,
    fake,
    ctx,
    async stop() {
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
