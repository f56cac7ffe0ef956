// Activities of a migration: the plan (where exactly the app goes, from which snapshots, and
// every refusal before anything changes), the lineage tags on what the move keeps, and the
// pruning of what it kept once the keep window has passed.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { Context, heartbeat } from '@temporalio/activity';
import type { Disk, ProviderDriver, Snapshot, ZoneInfo } from '../drivers/driver';
import { DriverError } from '../drivers/errors';
import { resumeOperation, waitForOperation } from '../drivers/long-operation';
import { TAG } from '../drivers/tags';
import { listAppPods } from '../kube/app-pods';
import { LABEL } from '../kube/convert/labels';
import { forceDeletePod } from '../kube/force-delete';
import { nodeHealth } from '../kube/node-conditions';
import { withKubeError } from '../kube/errors';
import type { AppTarget } from '../api/app-target';
import type {
  KeptResource,
  MigrationDestination,
  MigrationPlan,
  MigrationSource,
  VolumePlan,
} from '../api/migration';
import { destinationTarget } from '../api/migration-target';
import { targetNames } from './app-context';
import type { ActivityDeps } from './deps';
import { driverFor } from './driver-for-target';
import { kubeConfigFor } from './cluster-access';
import { asActivityFailure, refuse } from './failures';

export interface PlanMigrationInput {
  /** Where the app runs now: the controller's deployed target. */
  source: AppTarget;
  to: MigrationDestination;
  from: MigrationSource;
  keepSourceSeconds: number;
  /** Name of the snapshot a live move takes of each volume (the operation's); a dry run has none. */
  snapshotName?: string;
}

export function migrationActivities(deps: ActivityDeps) {
  return {
    /** Decides the move, or refuses it with InvalidArgument/NoSnapshot/NotConfigured; changes nothing. */
    async planMigration(input: PlanMigrationInput): Promise<MigrationPlan> {
      return asActivityFailure(async () => {
        const { source, to } = input;
        const dest = destinationTarget(source, to);
        const sourceDriver = await driverFor(deps, source);
        const destDriver = await driverFor(deps, dest);
        const disks = await Promise.all(
          source.volumes.map(async (v) => {
            const assigned = (await sourceDriver.listDisks({ app: source.appName, volume: v.name })).find(
              (d) => d.assigned,
            );
            if (!assigned)
              refuse(`volume ${v.name} has no assigned disk: there is nothing to move`, 'InvalidArgument');
            return assigned;
          }),
        );
        // A zone-redundant disk has no zone: the app is where its pod runs.
        const fromZoneName =
          disks[0]?.zone || (await podZone(await kubeConfigFor(deps, source), sourceDriver, source));
        const fromZone = fromZoneName ? await sourceDriver.resolveZone(fromZoneName) : undefined;
        const from = {
          cluster: source.cluster.name,
          region: fromZone?.region ?? disks[0]?.region ?? '',
          zone: fromZone?.kom ?? '',
        };
        // The destination cluster must be one this worker may reach (refused NotConfigured if not).
        const nodeZones = await readyNodeZones(await kubeConfigFor(deps, dest));
        const zone = await chooseZone(destDriver, to, from, nodeZones, dest.cluster.name);
        if (zone.kom === from.zone && dest.cluster.id === source.cluster.id)
          refuse(
            `app ${source.appKey} already runs in zone ${zone.kom} of cluster ${from.cluster}`,
            'InvalidArgument',
          );
        if (zone.region !== from.region && !destDriver.capabilities.crossRegionCopy)
          refuse(
            `provider ${source.provider.name} (driver ${source.provider.driver}) cannot copy snapshots to another region, so the app cannot move from ${from.region} to ${zone.region}`,
            'InvalidArgument',
          );

        const clusterMove = dest.cluster.id !== source.cluster.id;
        if (!clusterMove && disks.every((d) => d.zoneRedundant && d.zones.includes(zone.kom)))
          return reattachPlan(input, disks, from, zone, dest.cluster.name);

        const volumes: VolumePlan[] = [];
        let oldest = Date.now();
        for (const [i, v] of source.volumes.entries()) {
          const disk = disks[i]!;
          if (input.from === 'live') {
            volumes.push({
              volume: v.name,
              disk: disk.name,
              snapshot: {
                name: input.snapshotName ?? '(taken at the start)',
                region: disk.region,
                take: true,
              },
              ...(disk.region !== zone.region ? { copyTo: zone.region } : {}),
            });
            continue;
          }
          const chosen = newestReady(
            await sourceDriver.listSnapshots({ app: source.appName, volume: v.name }),
            zone.region,
          );
          if (!chosen)
            refuse(
              `volume ${v.name} has no ready snapshot to move from (--from latest-snapshot); take one with kompoxops snapshot create, or move live`,
              'NoSnapshot',
            );
          oldest = Math.min(oldest, chosen.capturedAt);
          volumes.push({
            volume: v.name,
            disk: disk.name,
            snapshot: {
              name: chosen.snapshot.name,
              createdAt: new Date(chosen.capturedAt).toISOString(),
              region: chosen.snapshot.region,
              take: false,
            },
            ...(chosen.snapshot.region !== zone.region ? { copyTo: zone.region } : {}),
          });
        }
        const copies = volumes.some((v) => v.copyTo);
        const steps = [
          ...(input.from === 'live' ? ['stop the app', 'snapshot every volume'] : []),
          ...(copies ? [`copy the snapshots to ${zone.region}`] : []),
          `create disks in ${zone.kom}`,
          'assign them',
          `deploy into cluster ${dest.cluster.name}, zone ${zone.kom}`,
          'verify Ready in the zone (cut-over)',
          clusterMove ? `remove the app from cluster ${source.cluster.name}` : 'prune the previous render',
          'tag the source disks and copies with their lineage',
        ];
        return {
          from,
          to: {
            cluster: dest.cluster.name,
            region: zone.region,
            zone: zone.kom,
            topologyZone: zone.topology,
          },
          source: input.from,
          volumes,
          steps,
          expectedRpoSeconds: input.from === 'live' ? 0 : Math.round((Date.now() - oldest) / 1000),
          keepUntil: new Date(Date.now() + input.keepSourceSeconds * 1000).toISOString(),
        };
      });
    },

    /**
     * Force-deletes the app's pods on nodes that are not Ready, so the move's rollout does not
     * wait for a kubelet that is gone. Safe for a move from snapshots: the new disks are not the
     * ones a pod left behind on a silent node could still write to.
     */
    async removePodsOnDownNodes(input: { target: AppTarget }): Promise<{ deleted: string[] }> {
      return asActivityFailure(async () => {
        const kc = await kubeConfigFor(deps, input.target);
        const names = targetNames(input.target);
        const nodes = await withKubeError('list nodes', () => kc.makeApiClient(CoreV1Api).listNode());
        const ready = new Set(
          nodes.items
            .map(nodeHealth)
            .filter((h) => h.ready === 'True')
            .map((h) => h.name),
        );
        const deleted: string[] = [];
        for (const pod of await listAppPods(
          kc,
          names.namespace,
          `${LABEL.selector}=${names.componentName}`,
        )) {
          const node = pod.spec?.nodeName;
          if (!node || ready.has(node)) continue;
          if (await forceDeletePod(kc, names.namespace, pod.metadata?.name ?? ''))
            deleted.push(`${pod.metadata?.name} on ${node}`);
        }
        return { deleted };
      });
    },

    /** Marks a kept disk or snapshot with the migration, its source and target, and its keep-until. */
    async tagKept(input: { target: AppTarget; kept: KeptResource; source: string; destination: string }) {
      return asActivityFailure(async () => {
        const driver = await driverFor(deps, input.target);
        const { kept } = input;
        const ref = { app: input.target.appName, volume: kept.volume, name: kept.name };
        await driver.updateTags(kept.kind === 'disk' ? { kind: 'disk', ref } : { kind: 'snapshot', ref }, {
          set: {
            [TAG.lineageOperation]: kept.migrationId,
            [TAG.lineageSource]: input.source,
            [TAG.lineageTarget]: input.destination,
            [TAG.keepUntil]: String(Math.floor(Date.parse(kept.keepUntil) / 1000)),
          },
        });
      });
    },

    /**
     * Deletes a kept resource whose keep window has passed. A disk that is assigned again (someone
     * moved back by hand) or a snapshot that is its volume's newest ready one in its region stays,
     * and is no longer tracked: the answer says which.
     */
    async pruneKept(input: {
      target: AppTarget;
      kept: KeptResource;
    }): Promise<{ deleted: boolean; why: string }> {
      return asActivityFailure(async () => {
        const driver = await driverFor(deps, input.target);
        const { kept } = input;
        const ref = { app: input.target.appName, volume: kept.volume, name: kept.name };
        const details = Context.current().info.heartbeatDetails;
        if (kept.kind === 'disk') {
          const disk = (await driver.listDisks({ app: ref.app, volume: ref.volume })).find(
            (d) => d.name === ref.name,
          );
          if (!disk) return { deleted: true, why: 'already gone' };
          if (disk.assigned) return { deleted: false, why: 'assigned again, so kept for good' };
          await beatUntilDone(
            driver,
            resumeOperation(details, 'deleteDisk') ?? (await driver.beginDeleteDisk(ref)),
          );
          return { deleted: true, why: 'keep window passed' };
        }
        const snapshots = await driver.listSnapshots({ app: ref.app, volume: ref.volume });
        const snapshot = snapshots.find((s) => s.name === ref.name);
        if (!snapshot) return { deleted: true, why: 'already gone' };
        const newestHere = snapshots
          .filter((s) => s.ready && s.region === snapshot.region)
          .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
        if (newestHere?.name === snapshot.name)
          return {
            deleted: false,
            why: `the newest ready snapshot of ${ref.volume} in ${snapshot.region}, so kept`,
          };
        await beatUntilDone(
          driver,
          resumeOperation(details, 'deleteSnapshot') ?? (await driver.beginDeleteSnapshot(ref)),
        );
        return { deleted: true, why: 'keep window passed' };
      });
    },
  };
}

/** Waits for a long driver operation, heartbeating its handle so a retry resumes it. */
async function beatUntilDone(
  driver: ProviderDriver,
  op: Parameters<typeof waitForOperation>[1],
): Promise<void> {
  heartbeat(op);
  await waitForOperation(driver, op, { intervalMs: 200, maxIntervalMs: 2000, onPoll: (o) => heartbeat(o) });
}

/** Topology zones with at least one Ready, schedulable node not tainted out of service. */
async function readyNodeZones(kc: KubeConfig): Promise<Set<string>> {
  const nodes = await withKubeError('list nodes', () => kc.makeApiClient(CoreV1Api).listNode());
  const zones = new Set<string>();
  for (const node of nodes.items) {
    const h = nodeHealth(node);
    const zone = h.labels['topology.kubernetes.io/zone'];
    if (!zone || h.ready !== 'True' || h.unschedulable) continue;
    // Out of service, unreachable or not ready: nothing new is placed there.
    if (h.taints.some((t) => t.effect === 'NoExecute')) continue;
    zones.add(zone);
  }
  return zones;
}

/** The zone (KOM name) of the node the app's running pod is on, or '' when none runs. */
async function podZone(kc: KubeConfig, driver: ProviderDriver, target: AppTarget): Promise<string> {
  const names = targetNames(target);
  const pod = (await listAppPods(kc, names.namespace, `${LABEL.selector}=${names.componentName}`)).find(
    (p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp && p.spec?.nodeName,
  );
  if (!pod) return '';
  const node = await withKubeError(`read Node ${pod.spec!.nodeName}`, () =>
    kc.makeApiClient(CoreV1Api).readNode({ name: pod.spec!.nodeName! }),
  );
  const topology = node.metadata?.labels?.['topology.kubernetes.io/zone'];
  if (!topology) return '';
  const zones = (await driver.listRegions()).flatMap((r) => r.zones);
  return zones.find((z) => z.topology === topology)?.kom ?? '';
}

/** A zone move on zone-redundant disks: the same disks, attached from the destination zone. */
function reattachPlan(
  input: PlanMigrationInput,
  disks: Disk[],
  from: MigrationPlan['from'],
  zone: ZoneInfo,
  cluster: string,
): MigrationPlan {
  return {
    from,
    to: { cluster, region: zone.region, zone: zone.kom, topologyZone: zone.topology },
    source: input.from,
    volumes: [],
    reattach: disks.map((d) => ({ volume: d.volumeName, disk: d.name })),
    steps: [
      'stop the app',
      `deploy into zone ${zone.kom} on the same zone-redundant disks`,
      'verify Ready in the zone (cut-over)',
      'prune the previous render',
    ],
    expectedRpoSeconds: 0,
    keepUntil: new Date().toISOString(),
  };
}

async function chooseZone(
  driver: ProviderDriver,
  to: MigrationDestination,
  from: { region: string; zone: string },
  nodeZones: Set<string>,
  cluster: string,
): Promise<ZoneInfo> {
  const noNodes = (zone: ZoneInfo) =>
    refuse(
      `cluster ${cluster} has no Ready node in zone ${zone.kom} (topology ${zone.topology}); nodes are Ready in: ${[...nodeZones].sort().join(', ') || 'no zone'}`,
      'InvalidArgument',
    );
  if (to.zone) {
    let zone: ZoneInfo;
    try {
      zone = await driver.resolveZone(to.zone);
    } catch (err) {
      if (err instanceof DriverError && err.code === 'InvalidArgument')
        refuse(`--zone ${to.zone}: ${err.message}`, 'InvalidArgument');
      throw err;
    }
    if (to.region && zone.region !== to.region)
      refuse(`--zone ${to.zone} is in region ${zone.region}, not --region ${to.region}`, 'InvalidArgument');
    if (!nodeZones.has(zone.topology)) noNodes(zone);
    return zone;
  }
  const regions = await driver.listRegions();
  const region = to.region
    ? regions.find((r) => r.name === to.region)
    : // A cluster move without a zone stays in the region the destination cluster sits in.
      regions.find((r) => r.zones.some((z) => nodeZones.has(z.topology)));
  if (!region) {
    if (to.region)
      refuse(
        `--region ${to.region} is not a region of the provider (regions: ${regions.map((r) => r.name).join(', ')})`,
        'InvalidArgument',
      );
    refuse(`cluster ${cluster} has no Ready node in any zone of the provider`, 'InvalidArgument');
  }
  const usable = region.zones.filter((z) => nodeZones.has(z.topology));
  // Prefer the zone the app is in (a cluster move), else the first other one with nodes.
  const zone =
    usable.find((z) => z.kom === from.zone && !to.region) ??
    usable.find((z) => z.kom !== from.zone) ??
    usable[0];
  if (!zone) refuse(`cluster ${cluster} has no Ready node in region ${region.name}`, 'InvalidArgument');
  return zone;
}

/**
 * The volume's newest ready snapshot by when its data was captured (a copy counts from its
 * origin); between equals, the one already in the destination region, so nothing is copied.
 */
function newestReady(
  snapshots: Snapshot[],
  region: string,
): { snapshot: Snapshot; capturedAt: number } | undefined {
  const byName = new Map(snapshots.map((s) => [s.name, s]));
  return snapshots
    .filter((s) => s.ready)
    .map((s) => {
      const origin = s.copiedFrom ? byName.get(s.copiedFrom.name) : undefined;
      return { snapshot: s, capturedAt: Date.parse((origin ?? s).createdAt) };
    })
    .sort(
      (a, b) =>
        b.capturedAt - a.capturedAt ||
        Number(b.snapshot.region === region) - Number(a.snapshot.region === region),
    )[0];
}
