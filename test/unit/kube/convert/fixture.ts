// The wiki example project and disks for it, as the converter tests use them.
import path from 'node:path';
import type { PvSource } from '../../../../drivers/driver';
import { loadProject, resolveApp, type AppContext } from '../../../../kom';
import { localFileValues, type AssignedDisk, type ConvertInput } from '../../../../kube/convert';

export const WIKI_DIR = path.resolve(__dirname, '../../../../../examples/wiki');
export const WIKI_APP_ID = '/ws/demo/prv/local/cls/dev/app/wiki';
/** What examples/wiki/wiki.env and secrets/db-password.txt hold. */
export const WIKI_ENV_PASSWORD = 'kompox-demo-password';

export function wikiContext(): AppContext {
  return resolveApp(loadProject({ cwd: WIKI_DIR, env: {} }), WIKI_APP_ID);
}

/** A disk as the local driver describes it: a hostPath directory pinned to a zone. */
export function localDisk(volume: string, diskName: string, zone: string, sizeBytes = 2 ** 30): AssignedDisk {
  const handle = `/var/lib/kompox/disks/wiki/${volume}/${diskName}`;
  const pvSource: PvSource = {
    volumeHandle: handle,
    capacityBytes: sizeBytes,
    accessModes: ['ReadWriteOnce'],
    volumeMode: 'Filesystem',
    hostPath: { path: handle, type: 'Directory' },
    topology: { key: 'topology.kubernetes.io/zone', values: [zone] },
  };
  return { diskName, handle, zone, sizeBytes, pvSource };
}

/** A cloud disk behind a CSI driver. */
export function csiDisk(volume: string, diskName: string, zone: string, sizeBytes = 2 ** 31): AssignedDisk {
  const handle = `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/${volume}-${diskName}`;
  return {
    diskName,
    handle,
    zone,
    sizeBytes,
    pvSource: {
      volumeHandle: handle,
      capacityBytes: sizeBytes,
      accessModes: ['ReadWriteOnce'],
      volumeMode: 'Filesystem',
      storageClassName: 'managed-csi',
      csi: {
        driver: 'disk.csi.azure.com',
        fsType: 'ext4',
        volumeAttributes: { skuName: 'Premium_LRS', cachingMode: 'ReadOnly' },
      },
      topology: { key: 'topology.disk.csi.azure.com/zone', values: [`eastus2-${zone}`] },
    },
  };
}

export function wikiInput(overrides: Partial<ConvertInput> = {}): ConvertInput {
  return {
    context: wikiContext(),
    disks: {
      default: localDisk('default', 'd1', 'local-1a'),
      db: localDisk('db', 'd1', 'local-1a', 2 * 2 ** 30),
    },
    values: localFileValues(),
    ...overrides,
  };
}
