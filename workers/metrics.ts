// Prometheus metrics of the worker: the SDK's own (through the Temporal Runtime's exporter)
// plus Kompox's: kompox_snapshot_age_seconds{app_id,volume}, the age of the newest ready
// snapshot of each volume this worker has seen = the data an app would lose if its zone failed.
import { Runtime } from '@temporalio/worker';
import { onSnapshotAgesChanged, snapshotAges } from '../activities/snapshot-age';

/** Installs the Runtime with a Prometheus endpoint; call once, before any connection is made. */
export function installMetrics(bindAddress: string): void {
  Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress } } } });
}

/** Keeps the snapshot-age gauge current; returns a stop function. */
export function startSnapshotAgeGauge(intervalMs = 10_000): () => void {
  const gauge = Runtime.instance().metricMeter.createGauge(
    'kompox_snapshot_age_seconds',
    'float',
    's',
    'Age of the newest ready snapshot of an app volume (the RPO if the zone failed now)',
  );
  const update = () => {
    for (const a of snapshotAges()) gauge.set(a.ageSeconds, { app_key: a.appKey, volume: a.volume });
  };
  update();
  onSnapshotAgesChanged(update);
  const timer = setInterval(update, intervalMs);
  timer.unref();
  return () => {
    onSnapshotAgesChanged(undefined);
    clearInterval(timer);
  };
}
