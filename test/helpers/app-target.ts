// An app target on the local provider with its own state root, so tests never share disks.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SnapshotPolicy } from '../../kom/model/snapshot-policy';
import type { AppTarget } from '../../api/app-target';

let counter = 0;

export function localAppTarget(
  opts: {
    app?: string;
    volumes?: string[];
    settings?: Record<string, string>;
    /** KOM spec.snapshots; absent (the default) means crash-consistent, keep all, no schedule. */
    snapshots?: SnapshotPolicy;
    /** LOCAL_ROOT to use instead of a fresh temp dir (apps sharing one provider state). */
    localRoot?: string;
  } = {},
): AppTarget {
  const app = opts.app ?? `app${process.pid}x${++counter}`;
  const root = opts.localRoot ?? mkdtempSync(join(tmpdir(), 'kompox-local-'));
  return {
    appKey: `test/local/${app}`,
    appId: `/ws/test/prv/local/cls/dev/app/${app}`,
    workspace: 'test',
    appName: app,
    provider: {
      id: '/ws/test/prv/local',
      name: 'local',
      driver: 'local',
      settings: { LOCAL_ROOT: root, ...opts.settings },
    },
    cluster: { id: '/ws/test/prv/local/cls/dev', name: 'dev', existing: true, settings: {} },
    volumes: (opts.volumes ?? ['db']).map((name) => ({
      name,
      sizeBytes: 1 << 30,
      type: 'disk',
      options: {},
    })),
    ...(opts.snapshots ? { snapshots: opts.snapshots } : {}),
    deploymentZone: 'local-1a',
  };
}
