// Drivers by name, loaded on first use. Each cloud driver pulls in a large SDK (40-140 MiB,
// cloud-drivers.md §7), so the CLI must not require them at start-up: a registration is only a
// loader, and `import()` runs when a Provider with that driver is actually used.

import type { DriverContext, ProviderDriver } from './driver';
import { invalidArgument } from './errors';

export type DriverFactory = (ctx: DriverContext) => ProviderDriver;
export type DriverLoader = () => Promise<DriverFactory>;

const loaders = new Map<string, DriverLoader>();
const loaded = new Map<string, Promise<DriverFactory>>();

/** Registers (or replaces, e.g. with a fake in tests) the loader for a driver name. */
export function registerDriver(name: string, loader: DriverLoader): void {
  loaders.set(name, loader);
  loaded.delete(name);
}

export function registeredDrivers(): string[] {
  return [...loaders.keys()].sort();
}

/** Loads the driver module once per process and builds a driver for the given context. */
export async function createDriver(name: string, ctx: DriverContext): Promise<ProviderDriver> {
  const loader = loaders.get(name);
  if (loader === undefined) {
    throw invalidArgument(`unknown provider driver "${name}" (known: ${registeredDrivers().join(', ')})`);
  }
  let factory = loaded.get(name);
  if (factory === undefined) {
    factory = loader();
    loaded.set(name, factory);
    // A failed load (missing SDK, not implemented) must not stick: the next call tries again.
    factory.catch(() => loaded.delete(name));
  }
  return (await factory)(ctx);
}

// Built-in drivers; any other name is refused as unknown, listing these.
registerDriver('local', async () => (await import('./local/local-driver')).createLocalDriver);
registerDriver('eks', async () => (await import('./eks/eks-driver')).createEksDriver);
registerDriver('aks', async () => (await import('./aks/aks-driver')).createAksDriver);
registerDriver('gke', async () => (await import('./gke/gke-driver')).createGkeDriver);
registerDriver('oke', async () => (await import('./oke/oke-driver')).createOkeDriver);
registerDriver('k3s', async () => (await import('./k3s/k3s-driver')).createK3sDriver);
