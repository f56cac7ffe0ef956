// The reference-compatible JSON shape of a snapshot (what `snapshot list -o json` prints), plus
// the region it lives in, so a listing tells an off-region copy from its original.
import type { Snapshot } from '../drivers/driver';

export interface SnapshotView {
  name: string;
  volumeName: string;
  size: number;
  handle: string;
  createdAt: string;
  ready: boolean;
  state: string;
  sourceDisk: string;
  /** Where the snapshot lives: the disk's region, or another one for a copy (spec.snapshots.copyToRegion). */
  region?: string;
}

export function snapshotView(s: Snapshot): SnapshotView {
  return {
    name: s.name,
    volumeName: s.volumeName,
    size: s.size,
    handle: s.handle,
    createdAt: s.createdAt,
    ready: s.ready,
    state: s.state,
    sourceDisk: s.sourceDisk.name,
    ...(s.region ? { region: s.region } : {}),
  };
}
