// The driver contract on the `oke` provider: the real oci-core SDK against the OCI Core API fake
// (test/fakes/oci) on the shared cloud model, with 10 % seeded transient faults on mutating calls
// (half of them after the effect: lost replies). The driver finds the fake as it would find OCI:
// its config file through OCI_CONFIG_FILE (a key made now) and the endpoint setting
// OCI_CLI_ENDPOINT, both of which a child process inherits from the spec and the environment.
// KOMPOX_FAKE_LATENCY=realistic gives long operations their rough real durations.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DriverContext } from '../../drivers/driver';
import { createOkeDriver } from '../../drivers/oke/oke-driver';
import { CloudModel, type CloudModelOptions } from '../fakes/cloud-model';
import { type OciCoreFake, startOciCoreFake } from '../fakes/oci/core-fake';
import { writeOciConfig } from '../fakes/oci/credentials';
import { describeDriverContract } from './driver-contract';

export const OKE_HOME = 'us-phoenix-1';
export const OKE_REGIONS = [
  { name: 'us-phoenix-1', zones: ['Uocm:PHX-AD-1', 'Uocm:PHX-AD-2', 'Uocm:PHX-AD-3'] },
  { name: 'us-ashburn-1', zones: ['Uocm:ASH-AD-1', 'Uocm:ASH-AD-2'] },
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
export async function startOkeWorld(name: string, faultRate: number): Promise<OkeWorld> {
  const dir = mkdtempSync(join(tmpdir(), `kompox-${name}-`));
  const model = new CloudModel({ regions: OKE_REGIONS, faultRate, seed: 20160918, latencyMs: okeLatency() });
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
      otherRegionZone: 'ASH-AD-2',
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
