// The newest ready snapshot of each volume of an app, read from its provider: what the worker's
// kompox_snapshot_age_seconds reports (the data lost if the zone failed now). An off-region
// copy is no newer point in time than its original, so copies are left out. Called by the
// worker's metrics, not as an activity: a scrape must not add workflow histories.
import type { AppTarget } from '../api/app-target';
import type { ActivityDeps } from './deps';
import { driverFor } from './driver-for-target';

/** Creation time (epoch ms) of each volume's newest ready snapshot; volumes with none are absent. */
export async function newestReadySnapshots(
  deps: ActivityDeps,
  target: AppTarget,
): Promise<Record<string, number>> {
  const driver = await driverFor(deps, target);
  const newest: Record<string, number> = {};
  await Promise.all(
    target.volumes.map(async ({ name: volume }) => {
      const ready = (await driver.listSnapshots({ app: target.appName, volume }))
        .filter((s) => s.ready && !s.copiedFrom)
        .map((s) => Date.parse(s.createdAt));
      if (ready.length) newest[volume] = Math.max(...ready);
    }),
  );
  return newest;
}
