// The newest ready snapshot per app volume as this worker last saw it, exported as the
// Prometheus gauge kompox_snapshot_age_seconds (= current RPO on zone loss) when the worker
// serves metrics. Refreshed by every snapshot list and create this worker runs.
import type { SnapshotView } from './snapshot-view';

const newest = new Map<string, { appKey: string; volume: string; createdAt: number }>();

export function recordNewestReady(appKey: string, volumes: string[], snapshots: SnapshotView[]): void {
  for (const volume of volumes) {
    const ready = snapshots
      .filter((s) => s.volumeName === volume && s.ready)
      .map((s) => Date.parse(s.createdAt));
    if (ready.length === 0) continue;
    const key = `${appKey}\u0000${volume}`;
    const latest = Math.max(...ready);
    const known = newest.get(key);
    if (!known || known.createdAt < latest) newest.set(key, { appKey, volume, createdAt: latest });
  }
  listener?.();
}

let listener: (() => void) | undefined;

/** Called after every update, so an exporter can refresh at once rather than on its next tick. */
export function onSnapshotAgesChanged(fn: (() => void) | undefined): void {
  listener = fn;
}

export function snapshotAges(now = Date.now()): { appKey: string; volume: string; ageSeconds: number }[] {
  return [...newest.values()].map((v) => ({
    appKey: v.appKey,
    volume: v.volume,
    ageSeconds: Math.max(0, (now - v.createdAt) / 1000),
  }));
}
