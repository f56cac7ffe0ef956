// The reference-compatible JSON shape of a snapshot (what `snapshot list -o json` prints).
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
  };
}
