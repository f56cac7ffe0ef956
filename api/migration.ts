// Migration: where an app moves to, the plan the worker makes before anything changes (what
// `app migrate --dry-run` prints), and what a move keeps of the source for a way back.
import type { Cluster } from '../kom/model/resources';
import type { ClusterTarget } from './app-target';

/** `live` stops and snapshots the app first (RPO 0); `latestSnapshot` uses the newest ready ones. */
export type MigrationSource = 'live' | 'latestSnapshot';

export interface MigrationDestination {
  /** A zone of the provider (KOM name); chosen from the destination's nodes when omitted. */
  zone?: string;
  /** A region of the provider; the zone's own region when a zone is given. */
  region?: string;
  /** Another KOM Cluster of the app's Provider: its target, and its model to render with. */
  cluster?: { target: ClusterTarget; model: Cluster };
}

export interface PlacementRef {
  cluster: string;
  region: string;
  /** KOM zone name. */
  zone: string;
}

export interface VolumePlan {
  volume: string;
  /** The assigned disk the app runs on now. */
  disk: string;
  /** Snapshot to start from: the one to take (live) or the newest ready one (latestSnapshot). */
  snapshot: { name: string; createdAt?: string; region: string; take: boolean };
  /** Set when the snapshot must first be copied to the destination region. */
  copyTo?: string;
}

export interface MigrationPlan {
  from: PlacementRef;
  to: PlacementRef & { topologyZone: string };
  source: MigrationSource;
  volumes: VolumePlan[];
  /**
   * Set instead of `volumes` when every disk is zone-redundant and spans the destination zone
   * (same cluster and region): the move stops the app and starts it in that zone on these same
   * disks. No snapshot, no new disk, RPO 0.
   */
  reattach?: { volume: string; disk: string }[];
  /** The steps in order, as the operation will record them. */
  steps: string[];
  /** Seconds of data the move loses: 0 live, the oldest chosen snapshot's age otherwise. */
  expectedRpoSeconds: number;
  /** When the source disks and copied snapshots may be pruned (ISO), given the keep window. */
  keepUntil: string;
}

/** A source disk or copied snapshot a migration keeps until `keepUntil`, then prunes. */
export interface KeptResource {
  kind: 'disk' | 'snapshot';
  volume: string;
  name: string;
  region: string;
  migrationId: string;
  keepUntil: string;
}

export const DEFAULT_KEEP_SOURCE_SECONDS = 7 * 24 * 3600;
