// Shared setup for driver tests: a throwaway state directory and a local driver on it.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'node:test';
import type { DriverContext } from '../../../drivers/driver';
import { waitForOperation } from '../../../drivers/long-operation';
import { LocalDriver } from '../../../drivers/local/local-driver';
import type { LocalDriverOptions } from '../../../drivers/local/settings';

/** A fresh state directory per test (call inside describe); `path` is valid inside tests. */
export function useTempDir(): { readonly path: string } {
  let path: string | undefined;
  beforeEach(async () => {
    path = await mkdtemp(join(tmpdir(), 'kompox-drivers-'));
  });
  afterEach(() => rm(path!, { recursive: true, force: true }));
  return {
    get path(): string {
      if (path === undefined) throw new Error('useTempDir().path read outside a test');
      return path;
    },
  };
}

/** Where the local driver of `context()` keeps a disk of app wiki. */
export function diskDir(stateDir: string, volume: string, name: string): string {
  return join(stateDir, 'local', 'ws1', 'prv1', 'disks', 'wiki', volume, name);
}

export function context(stateDir: string, providerSettings: Record<string, string> = {}): DriverContext {
  return {
    workspace: 'ws1',
    provider: 'prv1',
    cluster: 'cls1',
    providerSettings,
    clusterSettings: {},
    stateDir,
  };
}

export function localDriver(
  stateDir: string,
  options: LocalDriverOptions = {},
  settings: Record<string, string> = {},
): LocalDriver {
  return new LocalDriver(context(stateDir, settings), options);
}

/** Fast polling for tests. */
export const fast = { intervalMs: 5, maxIntervalMs: 20 };

export async function createDisk(
  driver: LocalDriver,
  req: Parameters<LocalDriver['beginCreateDisk']>[0],
): ReturnType<typeof waitForOperation<'createDisk'>> {
  return waitForOperation(driver, await driver.beginCreateDisk(req), fast);
}

export async function createSnapshot(
  driver: LocalDriver,
  req: Parameters<LocalDriver['beginCreateSnapshot']>[0],
): ReturnType<typeof waitForOperation<'createSnapshot'>> {
  return waitForOperation(driver, await driver.beginCreateSnapshot(req), fast);
}

export const GiB = 1024 ** 3;
