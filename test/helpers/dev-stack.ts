// Integration tests run on the real Temporal dev server and a real worker process, started
// through the same code as `kompoxops dev up`. Set KOMPOX_TEST_DEV_DIR to share one running
// stack between test files; otherwise each file gets its own in a temp dir and stops it after.
// When the server cannot start (no Temporal CLI, say) the tests fail with the reason.
// `{ cluster: true }` also starts the local Kubernetes control plane into <dir>/k8s, where the
// worker and the CLI find it, and hands back its kubeconfig; `extraClusters` more control planes
// (the worker routes KOM Clusters named like one there), each kubeconfig handed back by name.
// The client encrypts with the stack's codec keys, as the CLI does. `{ server: 'postgres' }` runs
// the Temporal server on PostgreSQL instead of the dev server (its database removed on stop).
import { Client, Connection } from '@temporalio/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataConverter } from '../../client/codec/data-converter';
import {
  type ExtraClusterOptions,
  type TemporalServerKind,
  devStackDown,
  devStackUp,
} from '../../dev/dev-stack';
import { removePostgresData } from '../../dev/postgres';
import { NAMESPACE } from '../../workers/dev-stack-constants';

export interface TestStack {
  dir: string;
  address: string;
  client: Client;
  /** Admin kubeconfig of the stack's control plane (only with `{ cluster: true }`). */
  kubeconfig?: string;
  /** The worker's codec server, for `temporal --codec-endpoint`. */
  codecServerUrl?: string;
  /** Admin kubeconfig of each extra cluster, by name. */
  extraKubeconfigs: Record<string, string>;
  stop(): Promise<void>;
}

export interface TestStackOptions {
  /** The Temporal server: the dev server (default) or the server on PostgreSQL. */
  server?: TemporalServerKind;
  cluster?: boolean;
  /** Real nodes (kubelet + containerd, pool `real`) in the cluster; implies `cluster`. */
  realNodes?: number;
  realNodeZones?: string[];
  /** Zones and region of the kwok nodes (a cloud's, for a cloud provider's app); implies `cluster`. */
  zones?: string[];
  region?: string;
  /** The kwok nodes' providerID template, e.g. `gce://my-project/{zone}/{node}`; implies `cluster`. */
  nodeProviderId?: string;
  /** More labels holding the kwok nodes' zone, e.g. topology.gke.io/zone; implies `cluster`. */
  nodeZoneLabels?: string[];
  /** More clusters (no real nodes, no CSI), each routed the KOM Clusters of its name; implies `cluster`. */
  extraClusters?: ExtraClusterOptions[];
  /** The control plane keeps an audit log of ServiceAccounts' requests; implies `cluster`. */
  auditLog?: boolean;
}

export async function startTestStack(opts: TestStackOptions = {}): Promise<TestStack> {
  const shared = process.env.KOMPOX_TEST_DEV_DIR;
  const dir = shared ?? mkdtempSync(join(tmpdir(), 'kompox-test-'));
  let status;
  const extraKubeconfigs: Record<string, string> = {};
  try {
    // Test files run side by side: kernel-chosen ports, never the conventional ones.
    status = await devStackUp(dir, {
      ephemeralPorts: true,
      ...(opts.server ? { server: opts.server } : {}),
      ...(opts.cluster ? { cluster: true } : {}),
      ...(opts.auditLog ? { cluster: true, auditLog: true } : {}),
      ...(opts.realNodes ? { realNodes: opts.realNodes } : {}),
      ...(opts.realNodeZones ? { realNodeZones: opts.realNodeZones } : {}),
      ...(opts.zones ? { cluster: true, zones: opts.zones } : {}),
      ...(opts.region ? { region: opts.region } : {}),
      ...(opts.nodeProviderId ? { cluster: true, nodeProviderId: opts.nodeProviderId } : {}),
      ...(opts.nodeZoneLabels?.length ? { cluster: true, nodeZoneLabels: opts.nodeZoneLabels } : {}),
      ...(opts.extraClusters?.length ? { cluster: true, extraClusters: opts.extraClusters } : {}),
    });
    for (const { name } of opts.extraClusters ?? []) {
      const kubeconfig = status.extraClusters?.find((c) => c.name === name)?.kubeconfig;
      if (!kubeconfig) throw new Error(`dev stack in ${dir} does not run the extra cluster ${name}`);
      extraKubeconfigs[name] = kubeconfig;
    }
  } catch (err) {
    // Leave nothing running from a half-started stack; the test fails with the reason.
    if (!shared) {
      await devStackDown(dir).catch(() => undefined);
      removePostgresData(dir);
    }
    throw err;
  }
  if (!status.temporalAddress) throw new Error(`dev stack in ${dir} reports no Temporal address`);
  if (
    (opts.cluster ||
      opts.auditLog ||
      opts.realNodes ||
      opts.zones ||
      opts.nodeProviderId ||
      opts.extraClusters?.length) &&
    !status.kubeconfig
  )
    throw new Error(`dev stack in ${dir} started no Kubernetes control plane`);
  const connection = await Connection.connect({ address: status.temporalAddress });
  const client = new Client({
    connection,
    namespace: NAMESPACE,
    dataConverter: loadDataConverter({ devDir: dir }),
  });
  return {
    dir,
    address: status.temporalAddress,
    client,
    ...(status.kubeconfig ? { kubeconfig: status.kubeconfig } : {}),
    ...(status.codecServerUrl ? { codecServerUrl: status.codecServerUrl } : {}),
    extraKubeconfigs,
    async stop() {
      await connection.close();
      if (!shared) {
        await devStackDown(dir);
        removePostgresData(dir);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
