// An app target on the local provider with its own state root, so tests never share disks.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppTarget } from '../../workflows/app-target';

let counter = 0;

export function localAppTarget(
  opts: { app?: string; volumes?: string[]; settings?: Record<string, string> } = {},
): AppTarget {
  const app = opts.app ?? `app${process.pid}x${++counter}`;
  const root = mkdtempSync(join(tmpdir(), 'kompox-local-'));
  return {
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
    deploymentZone: 'local-1a',
    project: { cwd: root },
  };
}
