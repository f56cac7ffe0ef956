// Settings of the local provider, read from the KOM Provider and Cluster `settings` maps (a
// Cluster value wins over a Provider value of the same key) and from constructor options
// (tests), which win over both.
//
//   LOCAL_ROOT        state root; default `<stateDir>/local`. Relative paths resolve against the cwd.
//   LOCAL_REGIONS     regions and zones, see zones.ts.
//   LOCAL_REGION      the cluster's home region (default zone, suffix/index zone names).
//   LOCAL_LATENCY_MS  per-operation latency, see fault-injection.ts.
//   LOCAL_FAULTS      per-operation transient fault probability, see fault-injection.ts.
//   LOCAL_FAULT_SEED  integer seed for repeatable faults.

import { join, resolve } from 'node:path';
import type { DriverContext } from '../driver';
import { invalidArgument } from '../errors';
import { type FaultSettings, type OpNumbers, parseOpNumbers } from './fault-injection';
import { LocalZones } from './zones';

export interface LocalDriverOptions {
  root?: string;
  latencyMs?: OpNumbers;
  faults?: OpNumbers;
  seed?: number;
}

export interface LocalSettings {
  root: string;
  zones: LocalZones;
  faults: FaultSettings;
}

export function readLocalSettings(ctx: DriverContext, options: LocalDriverOptions = {}): LocalSettings {
  const get = (key: string): string | undefined => {
    const v = ctx.clusterSettings[key] ?? ctx.providerSettings[key];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const root = options.root ?? get('LOCAL_ROOT') ?? join(ctx.stateDir, 'local');
  const seedText = get('LOCAL_FAULT_SEED');
  const seed = options.seed ?? (seedText === undefined ? undefined : Number(seedText));
  if (seed !== undefined && !Number.isInteger(seed))
    throw invalidArgument('LOCAL_FAULT_SEED must be an integer');
  return {
    root: resolve(root),
    zones: LocalZones.parse(get('LOCAL_REGIONS'), get('LOCAL_REGION')),
    faults: {
      latencyMs: { ...parseOpNumbers(get('LOCAL_LATENCY_MS'), 'LOCAL_LATENCY_MS'), ...options.latencyMs },
      faults: { ...parseOpNumbers(get('LOCAL_FAULTS'), 'LOCAL_FAULTS'), ...options.faults },
      seed,
    },
  };
}
