// Kompox's Prometheus metrics, read from the app controllers at every scrape instead of kept in
// one worker's memory, so a restarted or second worker reports the same values and a deleted
// app drops out:
//   - the running controllers are found through visibility (WorkflowType appController);
//   - each answers its small `controllerMetrics` Query, whose `totals` (api/operation-totals.ts)
//     give the operation-duration and failover-RTO histograms; only apps with a deployed
//     revision are exported, so `app destroy` removes an app's series;
//   - the age of each volume's newest ready snapshot (the RPO on a zone loss) comes from the
//     provider, listed with the deployed target; a listing is reused until the controller
//     finishes another operation or five minutes pass, so scrapes don't hammer cloud APIs.
// A controller that does not answer is left out of that scrape and logged.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { Registry } from 'prom-client';
import type { AppTarget } from '../api/app-target';
import { APP_CONTROLLER_WORKFLOW } from '../api/ids';
import { type ControllerMetricsView, controllerMetricsQuery, deployedRevisionQuery } from '../api/messages';
import { DURATION_BUCKETS, type DurationHistogram, type OperationTotals } from '../api/operation-totals';

/** Every metric family Kompox's registry exports (the dashboard test checks against these). */
export const CONTROLLER_METRICS = {
  operationDuration: { name: 'kompox_operation_duration_seconds', type: 'histogram' },
  failoverRto: { name: 'kompox_failover_rto_seconds', type: 'histogram' },
  snapshotAge: { name: 'kompox_snapshot_age_seconds', type: 'gauge' },
  unanswered: { name: 'kompox_metrics_unanswered_controllers', type: 'gauge' },
} as const satisfies Record<string, { name: string; type: 'gauge' | 'histogram' }>;

/** The series names a family shows up under in PromQL (a histogram's _bucket, _sum and _count). */
export function seriesNames({ name, type }: { name: string; type: 'gauge' | 'histogram' }): string[] {
  return type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
}

/** How long a snapshot listing stands in for the provider when the controller did nothing new. */
const SNAPSHOT_LISTING_TTL_MS = 5 * 60_000;
/** Controllers queried at once. */
const QUERY_CONCURRENCY = 16;

/** Newest ready snapshot per volume (creation time, epoch ms), copies in other regions left out. */
export type NewestSnapshots = (target: AppTarget) => Promise<Record<string, number>>;

interface AppSample {
  appKey: string;
  totals: OperationTotals;
  newestSnapshots: Record<string, number>;
}

interface Listing {
  stamp: string;
  at: number;
  newest: Record<string, number>;
}

type Labels = Record<string, string>;
interface Sample {
  metricName?: string;
  labels: Labels;
  value: number;
}

export class ControllerMetrics {
  readonly registry = new Registry();
  private apps: AppSample[] = [];
  private unanswered = 0;
  private readonly listings = new Map<string, Listing>();

  constructor(
    private readonly client: Client,
    private readonly newestSnapshots: NewestSnapshots,
    private readonly warn: (message: string, meta: Record<string, unknown>) => void,
  ) {
    this.family(
      CONTROLLER_METRICS.operationDuration,
      'Seconds each finished operation ran, by app, kind and outcome (the count is the number of operations)',
      () =>
        this.apps.flatMap((a) =>
          Object.entries(a.totals.operations).flatMap(([kind, byOutcome]) =>
            Object.entries(byOutcome ?? {}).flatMap(([outcome, h]) =>
              histogramSamples(
                CONTROLLER_METRICS.operationDuration.name,
                { app_key: a.appKey, kind, outcome },
                h,
              ),
            ),
          ),
        ),
    );
    this.family(
      CONTROLLER_METRICS.failoverRto,
      'Seconds from the alert about a failed node (or the request) until the app failover ended, by app and outcome',
      () =>
        this.apps.flatMap((a) =>
          Object.entries(a.totals.failoverRto).flatMap(([outcome, h]) =>
            histogramSamples(CONTROLLER_METRICS.failoverRto.name, { app_key: a.appKey, outcome }, h),
          ),
        ),
    );
    this.family(
      CONTROLLER_METRICS.snapshotAge,
      'Age of the newest ready snapshot of an app volume (the data lost if its zone failed now)',
      () => {
        const now = Date.now();
        return this.apps.flatMap((a) =>
          Object.entries(a.newestSnapshots).map(([volume, createdAt]) => ({
            labels: { app_key: a.appKey, volume },
            value: Math.max(0, (now - createdAt) / 1000),
          })),
        );
      },
    );
    this.family(
      CONTROLLER_METRICS.unanswered,
      'App controllers the last scrape could not query (their series are missing from it)',
      () => [{ labels: {}, value: this.unanswered }],
    );
  }

  /** Reads every running controller; call before rendering `registry`. */
  async refresh(): Promise<void> {
    const infos: WorkflowExecutionInfo[] = [];
    for await (const info of this.client.workflow.list({
      query: `WorkflowType = '${APP_CONTROLLER_WORKFLOW}' AND ExecutionStatus = 'Running'`,
    }))
      infos.push(info);
    let unanswered = 0;
    const apps: AppSample[] = [];
    for (let i = 0; i < infos.length; i += QUERY_CONCURRENCY) {
      const batch = await Promise.all(
        infos.slice(i, i + QUERY_CONCURRENCY).map((info) =>
          this.sample(info.workflowId).catch((err: unknown) => {
            unanswered++;
            this.warn('app controller did not answer the metrics query', {
              workflowId: info.workflowId,
              error: err instanceof Error ? err.message : String(err),
            });
            return undefined;
          }),
        ),
      );
      for (const app of batch) if (app) apps.push(app);
    }
    const seen = new Set(apps.map((a) => a.appKey));
    for (const key of this.listings.keys()) if (!seen.has(key)) this.listings.delete(key);
    this.apps = apps;
    this.unanswered = unanswered;
  }

  private async sample(workflowId: string): Promise<AppSample | undefined> {
    const handle = this.client.workflow.getHandle(workflowId);
    const view = await handle.query(controllerMetricsQuery);
    if (!view.deployedOperationId) return undefined;
    return {
      appKey: view.appKey,
      totals: view.totals,
      newestSnapshots: await this.snapshotsOf(view, async () => {
        const deployed = await handle.query(deployedRevisionQuery);
        if (!deployed) throw new Error(`app ${view.appKey} has no deployed revision`);
        return deployed.target;
      }),
    };
  }

  /** The cached listing while the controller finished nothing new; else the provider's. */
  private async snapshotsOf(
    view: ControllerMetricsView,
    target: () => Promise<AppTarget>,
  ): Promise<Record<string, number>> {
    const stamp = `${view.deployedOperationId}/${view.lastOperationId ?? ''}`;
    const known = this.listings.get(view.appKey);
    if (known && known.stamp === stamp && Date.now() - known.at < SNAPSHOT_LISTING_TTL_MS)
      return known.newest;
    try {
      const newest = await this.newestSnapshots(await target());
      this.listings.set(view.appKey, { stamp, at: Date.now(), newest });
      return newest;
    } catch (err) {
      // The provider is down: the last listing (whose age keeps growing) beats no figure at all.
      this.warn('snapshots of the app could not be listed for the snapshot age', {
        appKey: view.appKey,
        error: err instanceof Error ? err.message : String(err),
      });
      return known?.newest ?? {};
    }
  }

  /** A metric family computed at render time from the last refresh. */
  private family(
    { name, type }: { name: string; type: 'gauge' | 'histogram' },
    help: string,
    values: () => Sample[],
  ): void {
    const metric = {
      name,
      help,
      type,
      aggregator: 'sum',
      get: () => ({ name, help, type, aggregator: 'sum', values: values() }),
    };
    // prom-client renders any object of this shape; its own classes can't take values read elsewhere.
    this.registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
  }
}

function histogramSamples(name: string, labels: Labels, h: DurationHistogram | undefined): Sample[] {
  if (!h) return [];
  return [
    ...DURATION_BUCKETS.map((le, i) => ({
      metricName: `${name}_bucket`,
      labels: { ...labels, le: String(le) },
      value: h.buckets[i] ?? 0,
    })),
    { metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: h.count },
    { metricName: `${name}_sum`, labels, value: h.sum },
    { metricName: `${name}_count`, labels, value: h.count },
  ];
}
