// Where the pod may run: nodes of the app's pool(s), in the zone of its disks (DESIGN §1
// principle 3: pods follow their disks). Diverges from the reference (§3.6), which schedules by
// `spec.deployment.zone(s)` and only hopes the disks are there: once disks exist their topology
// decides, so a migrated app lands where its data is.
import type { V1NodeAffinity, V1NodeSelectorRequirement } from '@kubernetes/client-node';
import type { App } from '../../kom';
import { LABEL } from './labels';
import { ConvertError, type AssignedDisk } from './types';

export const DEFAULT_NODE_POOL = 'user';

export interface Placement {
  pools: string[];
  /** Node label → allowed values; empty when any zone will do. */
  topology: { key: string; values: string[] }[];
  /**
   * Zones the pod prefers but may leave: the App's `deployment.zone(s)` when its disks attach in
   * more than one zone (zone-redundant), so it starts there and a zone outage can move it.
   */
  preferred?: { key: string; values: string[] };
}

/**
 * Intersects the disks' topology constraints (a regional disk may allow several zones, a
 * zone-redundant one none). Disks in different zones can never be attached to one pod: error.
 */
export function placementOf(
  app: App,
  disks: Readonly<Record<string, AssignedDisk>>,
  nodePools: readonly string[] | undefined,
  zoneTopology?: Readonly<Record<string, string>>,
): Placement {
  const pools = [
    ...new Set(nodePools ?? (app.deployment.pools.length > 0 ? app.deployment.pools : [DEFAULT_NODE_POOL])),
  ];
  if (pools.length === 0) pools.push(DEFAULT_NODE_POOL);
  const volumes = app.volumes.map((volume) => volume.name).filter((name) => disks[name] !== undefined);
  if (app.volumes.length === 0) {
    // No data, nothing to follow: the reference's zone choice from spec.deployment stands.
    const topology =
      app.deployment.zones.length > 0 ? [{ key: LABEL.nodeZone, values: [...app.deployment.zones] }] : [];
    return { pools, topology };
  }
  checkSameZone(app, volumes, disks);
  const allowed = new Map<string, Set<string>>();
  for (const volume of volumes) {
    const topology = disks[volume]?.pvSource.topology;
    if (topology === undefined) continue;
    const previous = allowed.get(topology.key);
    const values = new Set(topology.values);
    allowed.set(
      topology.key,
      previous === undefined ? values : new Set([...previous].filter((v) => values.has(v))),
    );
    if (allowed.get(topology.key)?.size === 0) {
      throw new ConvertError(
        `the disks of app "${app.name}" cannot be attached in one zone: ${describeTopology(volumes, disks, topology.key)}; ` +
          'move them into one zone (disk assign / migrate) before deploying',
      );
    }
  }
  const pinned = [...allowed.values()].some((values) => values.size === 1);
  return {
    pools,
    topology: [...allowed.keys()]
      .sort()
      .map((key) => ({ key, values: [...(allowed.get(key) ?? [])].sort() })),
    ...(!pinned && app.deployment.zones.length > 0
      ? { preferred: preferredZones(app.deployment.zones, zoneTopology) }
      : {}),
  };
}

function preferredZones(
  zones: readonly string[],
  zoneTopology: Readonly<Record<string, string>> | undefined,
): { key: string; values: string[] } {
  return zoneTopology
    ? { key: LABEL.topologyZone, values: zones.map((z) => zoneTopology[z] ?? z) }
    : { key: LABEL.nodeZone, values: [...zones] };
}

function checkSameZone(app: App, volumes: string[], disks: Readonly<Record<string, AssignedDisk>>): void {
  const zoned = volumes.filter((volume) => (disks[volume]?.zone ?? '') !== '');
  const zones = new Set(zoned.map((volume) => disks[volume]?.zone));
  if (zones.size <= 1) return;
  const list = zoned.map(
    (volume) => `volume "${volume}" (disk "${disks[volume]?.diskName}") in zone "${disks[volume]?.zone}"`,
  );
  throw new ConvertError(
    `the disks of app "${app.name}" are in different zones: ${list.join(', ')}; one pod can only attach disks of one zone — ` +
      'assign disks of one zone to every volume before deploying',
  );
}

function describeTopology(
  volumes: string[],
  disks: Readonly<Record<string, AssignedDisk>>,
  key: string,
): string {
  return volumes
    .flatMap((volume) => {
      const topology = disks[volume]?.pvSource.topology;
      return topology?.key === key
        ? [`volume "${volume}" allows ${key} in [${topology.values.join(', ')}]`]
        : [];
    })
    .join(', ');
}

export function nodeAffinity(placement: Placement): V1NodeAffinity {
  const expressions: V1NodeSelectorRequirement[] = [
    { key: LABEL.nodePool, operator: 'In', values: placement.pools },
    ...placement.topology.map((entry) => ({ key: entry.key, operator: 'In', values: entry.values })),
  ];
  return {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: expressions }],
    },
    ...(placement.preferred
      ? {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 100,
              preference: {
                matchExpressions: [
                  { key: placement.preferred.key, operator: 'In', values: placement.preferred.values },
                ],
              },
            },
          ],
        }
      : {}),
  };
}
