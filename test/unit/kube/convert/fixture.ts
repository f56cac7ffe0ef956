// The wiki example project and disks for it, as the converter tests use them.
import path from 'node:path';
import type { PvSource } from '../../../../drivers/driver';
import { loadProject, resolveApp, type AppContext } from '../../../../kom';
import {
  convertApp,
  localFileValues,
  type AssignedDisk,
  type ConvertInput,
  type ConvertResult,
} from '../../../../kube/convert';
import { APP_ID, appProject } from '../../kom/project-fixture';

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

/** What `file:` configs ending in `.bin` hold in convertProject. */
export const BINARY = Buffer.from([0x00, 0xff, 0x10, 0x80]);

/**
 * Converts a throwaway project (see appProject) with disks for the default volumes `data` and
 * `db`; `file:` configs read as `text of <path>` (or BINARY), env files as empty.
 */
export function convertProject(
  options: { appSpec?: string; compose: string; extra?: Record<string, string> },
  disks?: Record<string, AssignedDisk>,
  adjust: (context: AppContext) => void = () => {},
): ConvertResult {
  const root = appProject(options);
  const context = resolveApp(loadProject({ cwd: root, env: {} }), APP_ID);
  adjust(context);
  const input: ConvertInput = {
    context,
    disks: disks ?? {
      data: localDisk('data', 'd1', 'local-1a'),
      db: localDisk('db', 'd1', 'local-1a'),
    },
    values: {
      envFileValues: () => ({}),
      readFile: (file) => (file.path.endsWith('.bin') ? BINARY : Buffer.from(`text of ${file.path}\n`)),
    },
  };
  return convertApp(input);
}
