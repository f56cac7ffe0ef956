// The ProviderDriver contract (drivers/driver.ts) as one suite every driver must pass. Each
// provider's file gives a fixture; the suite runs the same cases on it. Where a driver lacks a
// capability, the case checks that the driver says so (Unsupported) instead of skipping; the only
// skips come from a fixture declaring a hook it cannot offer, with its reason.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { CreateIntent } from '../../drivers/create-intent';
import type {
  Disk,
  OperationHandle,
  OperationKind,
  OperationResults,
  ProviderDriver,
} from '../../drivers/driver';
import { DriverError, type DriverErrorCode, isDriverError } from '../../drivers/errors';
import { keyDigest } from '../../drivers/idempotency';
import { waitForOperation } from '../../drivers/long-operation';
import { TAG } from '../../drivers/tags';
import type { ChildRequest } from './child-driver';
import type { DriverFixture, FaultHooks, FixtureEnv } from './driver-fixture';

const GiB = 1024 ** 3;
const VOLUME = 'data';

function rejectsWith(code: DriverErrorCode, retryable = false): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof DriverError, `expected a DriverError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.retryable, retryable, `${code} retryable`);
    return true;
  };
}

export function describeDriverContract(fixture: DriverFixture): void {
  void describe(`driver contract: ${fixture.name}`, () => {
    let env: FixtureEnv;
    let driver: ProviderDriver;
    let apps = 0;
    /** A fresh app name per case, so cases never see each other's resources. */
    const app = (): { app: string; volume: string } => ({ app: `c${++apps}`, volume: VOLUME });
    const wait = <K extends OperationKind>(op: OperationHandle<K>): Promise<OperationResults[K]> =>
      waitForOperation(driver, op, { intervalMs: 100, maxIntervalMs: 1000, timeoutMs: 120_000 });
    const createDisk = async (
      ref: { app: string; volume: string },
      extra: Partial<Parameters<ProviderDriver['beginCreateDisk']>[0]> = {},
    ): Promise<Disk> =>
      wait(
        await driver.beginCreateDisk({
          ...ref,
          zone: env.homeZones[0],
          sizeBytes: GiB,
          idempotencyKey: `${ref.app}-disk-${extra.name ?? 'd1'}`,
          name: 'd1',
          ...extra,
        }),
      );
    const snapshot = async (ref: { app: string; volume: string }, disk: string, name = 's1') =>
      wait(
        await driver.beginCreateSnapshot({ ...ref, disk, name, idempotencyKey: `${ref.app}-snap-${name}` }),
      );

    before(async () => {
      env = await fixture.start();
      driver = env.driver;
    });
    after(() => env?.stop());

    void it('resolves every spelling of a zone to the same zone, and refuses an unknown one', async () => {
      const regions = await driver.listRegions();
      assert.ok(regions.length > 0);
      const home = await driver.resolveZone(env.homeZones[0]);
      for (const spelling of [home.kom, home.provider, home.topology]) {
        assert.deepEqual(await driver.resolveZone(spelling), home, spelling);
      }
      assert.ok(regions.some((r) => r.name === home.region && r.zones.some((z) => z.kom === home.kom)));
      await assert.rejects(driver.resolveZone('no-such-zone-9z'), rejectsWith('InvalidArgument'));
    });

    void it('offers disks in the zones of the home region', async () => {
      const home = await driver.resolveZone(env.homeZones[0]);
      const offering = await driver.diskOffering({});
      assert.equal(offering.region, home.region);
      for (const z of env.homeZones)
        assert.ok(
          offering.zones.some((o) => o.kom === z),
          z,
        );
      assert.equal(offering.zoneRedundant, false);
      if (!driver.capabilities.zoneRedundantDisks) {
        await assert.rejects(
          driver.diskOffering({ options: { zoneRedundant: true } }),
          rejectsWith('Unsupported'),
        );
      }
    });

    void it('creates, gets, lists and deletes a disk', async () => {
      const ref = app();
      const disk = await createDisk(ref, { tags: { owner: 'contract' } });
      assert.equal(disk.state, 'ready');
      assert.equal(disk.name, 'd1');
      assert.equal(disk.appName, ref.app);
      assert.equal(disk.volumeName, VOLUME);
      assert.equal(disk.zone, env.homeZones[0]);
      assert.deepEqual(disk.zones, [env.homeZones[0]]);
      assert.ok(disk.size >= GiB);
      assert.ok(disk.handle.length > 0);
      assert.equal(disk.tags[TAG.app], ref.app);
      assert.equal(disk.tags.owner, 'contract');
      const got = await driver.getDisk({ ...ref, name: 'd1' });
      assert.equal(got.handle, disk.handle);
      assert.deepEqual(
        (await driver.listDisks(ref)).map((d) => d.name),
        ['d1'],
      );
      assert.deepEqual(
        (await driver.listDisks({ ...ref, tags: { owner: 'someone-else' } })).map((d) => d.name),
        [],
      );
      assert.equal(await wait(await driver.beginDeleteDisk({ ...ref, name: 'd1' })), null);
      await assert.rejects(driver.getDisk({ ...ref, name: 'd1' }), rejectsWith('NotFound'));
      assert.deepEqual(await driver.listDisks(ref), []);
    });

    void it('gives the same disk for a retried key, and a Conflict for another request under that key', async () => {
      const ref = app();
      const req = { ...ref, zone: env.homeZones[0], sizeBytes: GiB, idempotencyKey: `${ref.app}-same` };
      const first = await wait(await driver.beginCreateDisk(req));
      const second = await wait(await driver.beginCreateDisk(req));
      assert.equal(second.name, first.name);
      assert.equal(second.handle, first.handle);
      assert.equal((await driver.listDisks(ref)).length, 1);
      await assert.rejects(
        (async () => wait(await driver.beginCreateDisk({ ...req, sizeBytes: 2 * GiB })))(),
        rejectsWith('Conflict'),
      );
      assert.equal((await driver.listDisks(ref)).length, 1);
    });

    void it('counts a delete of what does not exist as done', async () => {
      const ref = app();
      assert.equal(await wait(await driver.beginDeleteDisk({ ...ref, name: 'gone' })), null);
      assert.equal(await wait(await driver.beginDeleteSnapshot({ ...ref, name: 'gone' })), null);
    });

    void it('refuses to delete the assigned disk', async () => {
      const ref = app();
      await createDisk(ref);
      assert.equal((await driver.setDiskAssigned({ ...ref, name: 'd1' }, true)).assigned, true);
      await assert.rejects(
        (async () => wait(await driver.beginDeleteDisk({ ...ref, name: 'd1' })))(),
        rejectsWith('InUse'),
      );
      assert.equal((await driver.setDiskAssigned({ ...ref, name: 'd1' }, false)).assigned, false);
      assert.equal(await wait(await driver.beginDeleteDisk({ ...ref, name: 'd1' })), null);
    });

    void it('takes, gets, lists and deletes snapshots, and a retried key gives the same one', async () => {
      const ref = app();
      const disk = await createDisk(ref);
      const s1 = await snapshot(ref, disk.name);
      assert.equal(s1.ready, true);
      assert.equal(s1.state, 'ready');
      assert.equal(s1.sourceDisk.name, disk.name);
      assert.equal(s1.region, (await driver.resolveZone(disk.zone)).region);
      assert.equal(s1.incremental, driver.capabilities.incrementalSnapshots);
      const again = await snapshot(ref, disk.name);
      assert.equal(again.handle, s1.handle);
      await sleep(1100); // distinct creation times, so the order is by time and not by name
      const s2 = await snapshot(ref, disk.name, 's2');
      assert.deepEqual(
        (await driver.listSnapshots(ref)).map((s) => s.name),
        [s2.name, s1.name],
      );
      assert.equal((await driver.getSnapshot({ ...ref, name: 's1' })).handle, s1.handle);
      assert.equal(await wait(await driver.beginDeleteSnapshot({ ...ref, name: 's1' })), null);
      await assert.rejects(driver.getSnapshot({ ...ref, name: 's1' }), rejectsWith('NotFound'));
      assert.deepEqual(
        (await driver.listSnapshots(ref)).map((s) => s.name),
        ['s2'],
      );
    });

    void it('restores a snapshot into a disk in another zone of the region', async () => {
      const ref = app();
      const disk = await createDisk(ref);
      await snapshot(ref, disk.name);
      const restored = await wait(
        await driver.beginCreateDisk({
          ...ref,
          name: 'r1',
          zone: env.homeZones[1],
          sizeBytes: GiB,
          source: { kind: 'snapshot', name: 's1' },
          idempotencyKey: `${ref.app}-restore`,
        }),
      );
      assert.equal(restored.zone, env.homeZones[1]);
      assert.equal(restored.state, 'ready');
      assert.equal(restored.source?.kind, 'snapshot');
      assert.equal(restored.source?.name, 's1');
    });

    void it('creates a disk from a disk, or says it cannot', async () => {
      const ref = app();
      await createDisk(ref);
      const clone = async () =>
        wait(
          await driver.beginCreateDisk({
            ...ref,
            name: 'clone',
            zone: env.homeZones[0],
            sizeBytes: GiB,
            source: { kind: 'disk', name: 'd1' },
            idempotencyKey: `${ref.app}-clone`,
          }),
        );
      if (!driver.capabilities.diskFromDisk) {
        await assert.rejects(clone(), rejectsWith('Unsupported'));
        return;
      }
      const disk = await clone();
      assert.equal(disk.source?.kind, 'disk');
      assert.equal(disk.source?.name, 'd1');
    });

    void it('copies a snapshot to another region and restores it there, or says it cannot', async () => {
      const ref = app();
      const disk = await createDisk(ref);
      await snapshot(ref, disk.name);
      const target = env.otherRegionZone ? await driver.resolveZone(env.otherRegionZone) : undefined;
      const copy = async () =>
        wait(
          await driver.beginCopySnapshot({
            snapshot: { ...ref, name: 's1' },
            targetRegion: target?.region ?? 'elsewhere-1',
            targetName: 's1-copy',
            idempotencyKey: `${ref.app}-copy`,
          }),
        );
      if (!driver.capabilities.crossRegionCopy) {
        await assert.rejects(copy(), rejectsWith('Unsupported'));
        return;
      }
      assert.ok(
        target,
        `${fixture.name} copies across regions: its fixture must name a zone of another region`,
      );
      const copied = await copy();
      assert.equal(copied.region, target.region);
      assert.equal(copied.ready, true);
      assert.equal(copied.copiedFrom?.name, 's1');
      assert.equal((await copy()).handle, copied.handle, 'a retried copy is the same copy');
      const there = await wait(
        await driver.beginCreateDisk({
          ...ref,
          name: 'far',
          zone: target.kom,
          sizeBytes: GiB,
          source: { kind: 'snapshot', name: 's1-copy' },
          idempotencyKey: `${ref.app}-far`,
        }),
      );
      assert.equal(there.region, target.region);
      assert.equal(there.zone, target.kom);
    });

    void it('sets and removes lineage tags, and refuses to change what identifies a resource', async () => {
      const ref = app();
      const disk = await createDisk(ref);
      const tags = await driver.updateTags(
        { kind: 'disk', ref: { ...ref, name: disk.name } },
        { set: { [TAG.lineageOperation]: 'mig-1', [TAG.keepUntil]: '1767225600', team: 'Storage Ops' } },
      );
      assert.equal(tags[TAG.lineageOperation], 'mig-1');
      assert.equal(tags[TAG.keepUntil], '1767225600');
      assert.match(tags.team ?? '', /^storage-ops/, 'values are sanitised like every tag');
      assert.equal(tags[TAG.app], ref.app);
      const after = await driver.updateTags(
        { kind: 'disk', ref: { ...ref, name: disk.name } },
        { remove: [TAG.keepUntil] },
      );
      assert.equal(after[TAG.keepUntil], undefined);
      assert.equal((await driver.getDisk({ ...ref, name: disk.name })).tags[TAG.lineageOperation], 'mig-1');
      for (const key of [TAG.app, TAG.operationKey, TAG.assigned]) {
        await assert.rejects(
          driver.updateTags({ kind: 'disk', ref: { ...ref, name: disk.name } }, { set: { [key]: 'x' } }),
          rejectsWith('InvalidArgument'),
          key,
        );
      }
      const snap = await snapshot(ref, disk.name);
      const snapTags = await driver.updateTags(
        { kind: 'snapshot', ref: { ...ref, name: snap.name } },
        { set: { [TAG.lineageSource]: 'local-1a' } },
      );
      assert.equal(snapTags[TAG.lineageSource], 'local-1a');
      assert.equal(
        (await driver.getSnapshot({ ...ref, name: snap.name })).tags[TAG.lineageSource],
        'local-1a',
      );
      await assert.rejects(
        driver.updateTags({ kind: 'disk', ref: { ...ref, name: 'missing' } }, { set: { team: 'x' } }),
        rejectsWith('NotFound'),
      );
    });

    void it('gives a PV source for the disk: its handle, and node affinity to its zone', async () => {
      const ref = app();
      const disk = await createDisk(ref);
      const pv = driver.pvSource(disk);
      assert.equal(pv.volumeHandle, disk.handle);
      assert.deepEqual(pv.accessModes, ['ReadWriteOnce']);
      assert.ok(pv.capacityBytes >= GiB);
      assert.equal(
        [pv.csi, pv.hostPath].filter((x) => x !== undefined).length,
        1,
        'exactly one of csi and hostPath',
      );
      const zone = await driver.resolveZone(disk.zone);
      assert.ok(pv.topology?.values.includes(zone.topology), JSON.stringify(pv.topology));
    });

    void it('force-detaches a disk from a machine that does not answer, or says it cannot', async () => {
      const ref = app();
      const disk = await createDisk(ref);
      const detach = async () => wait(await driver.beginForceDetach({ disk: { ...ref, name: disk.name } }));
      // Without a force flag a driver still detaches plainly where the cloud has a detach call
      // (GCP, OCI: Capabilities.forceDetach); one without (generic CSI) says Unsupported.
      if (!driver.capabilities.forceDetach && !env.attach) {
        await assert.rejects(detach(), rejectsWith('Unsupported'));
        return;
      }
      assert.ok(env.attach, `${fixture.name} detaches: its fixture must attach a disk to a machine`);
      const instanceId = await env.attach(disk);
      const attached = await driver.listAttachments({ ...ref, name: disk.name });
      assert.deepEqual(
        attached.map((a) => a.instanceId),
        [instanceId],
      );
      await assert.rejects(
        (async () => wait(await driver.beginDeleteDisk({ ...ref, name: disk.name })))(),
        rejectsWith('InUse'),
        'an attached disk is never deleted',
      );
      assert.equal(await detach(), null);
      assert.deepEqual(await driver.listAttachments({ ...ref, name: disk.name }), []);
    });

    void it('resumes a disk creation from its handle after the worker is killed', async () => {
      const ref = app();
      const req = {
        ...ref,
        name: 'd1',
        zone: env.homeZones[0],
        sizeBytes: GiB,
        idempotencyKey: `${ref.app}-kill`,
      };
      const out = await runChild(env, { kind: 'createDisk', request: req }, 'handle.json');
      const handle = JSON.parse(
        readFileSync(join(out, 'handle.json'), 'utf8'),
      ) as OperationHandle<'createDisk'>;
      const disk = await wait(handle);
      assert.equal(disk.name, 'd1');
      assert.equal((await wait(await driver.beginCreateDisk(req))).handle, disk.handle);
      assert.equal((await driver.listDisks(ref)).length, 1);
      rmSync(out, { recursive: true, force: true });
    });

    void it('leaves one snapshot when the worker dies between the cloud call and its first heartbeat', async () => {
      const ref = app();
      const disk = await createDisk(ref);
      const req = { ...ref, disk: disk.name, name: 's1', idempotencyKey: `${ref.app}-snap-kill` };
      const out = await runChild(env, { kind: 'createSnapshot', request: req }, 'begun', true);
      assert.ok(!existsSync(join(out, 'handle.json')), 'killed before the handle was heartbeated');
      const intentFile = join(out, 'intent.json');
      const previous = existsSync(intentFile)
        ? (JSON.parse(readFileSync(intentFile, 'utf8')) as CreateIntent)
        : undefined;
      // The retried activity: no handle, maybe an intent, and it knows it is a retry.
      const snap = await wait(
        await driver.beginCreateSnapshot(req, { previous, retried: true, record: () => undefined }),
      );
      assert.equal(snap.name, 's1');
      assert.equal((await driver.listSnapshots(ref)).length, 1);
      if (env.cloudSnapshotsTagged) {
        assert.equal(await env.cloudSnapshotsTagged(TAG.operationKey, keyDigest(req.idempotencyKey)), 1);
      }
      rmSync(out, { recursive: true, force: true });
    });

    void it('retries throttling and transient faults, and fails fast on what a retry cannot fix', async (t) => {
      const ref = app();
      await assert.rejects(
        driver.beginCreateDisk({ ...ref, sizeBytes: -1, idempotencyKey: `${ref.app}-neg` }),
        rejectsWith('InvalidArgument'),
      );
      await assert.rejects(
        driver.beginCreateDisk({
          ...ref,
          zone: 'no-such-zone-9z',
          sizeBytes: GiB,
          idempotencyKey: `${ref.app}-z`,
        }),
        rejectsWith('InvalidArgument'),
      );
      if ('reason' in env.faults) return t.skip(env.faults.reason);
      const faults: FaultHooks = env.faults;
      faults.clear();
      const callsBefore = faults.cloudCalls();
      await assert.rejects(
        driver.beginCreateDisk({ ...ref, sizeBytes: 0, idempotencyKey: `${ref.app}-zero` }),
        rejectsWith('InvalidArgument'),
      );
      assert.equal(faults.cloudCalls(), callsBefore, 'a bad request is refused before any cloud call');
      faults.throttleCreateDisk(5);
      const req = {
        ...ref,
        name: 'd1',
        zone: env.homeZones[0],
        sizeBytes: GiB,
        idempotencyKey: `${ref.app}-slow`,
      };
      let disk: Disk | undefined;
      let retryableFailures = 0;
      for (let attempt = 0; attempt < 10 && disk === undefined; attempt++) {
        try {
          disk = await wait(await driver.beginCreateDisk(req));
        } catch (err) {
          assert.ok(isDriverError(err) && err.retryable, `throttling must be retryable: ${String(err)}`);
          retryableFailures++;
        }
      }
      assert.ok(disk, 'created once the throttling stopped');
      assert.ok(retryableFailures >= 1, 'five throttled answers are more than a driver hides');
      assert.equal((await driver.listDisks(ref)).length, 1);
      if (faults.denyCreateDisk) {
        faults.denyCreateDisk();
        await assert.rejects(
          driver.beginCreateDisk({ ...req, name: 'd2', idempotencyKey: `${ref.app}-denied` }),
          rejectsWith('PermissionDenied'),
        );
      }
      faults.clear();
    });

    void it('knows whether the machine behind a node runs, fences it, or says it cannot', async () => {
      const unknownNode = await driver.getInstanceState({ nodeName: 'no-such-node-9z' });
      assert.ok(
        ['unknown', 'running'].includes(unknownNode),
        `a node the cloud cannot place: ${unknownNode}`,
      );
      if (!driver.capabilities.instanceState) {
        assert.equal(unknownNode, 'unknown');
        await assert.rejects(
          (async () => wait(await driver.beginFenceNode({ nodeName: 'no-such-node-9z' })))(),
          rejectsWith('Unsupported'),
        );
        return;
      }
      assert.ok(env.machine, `${fixture.name} knows instance states: its fixture must start a machine`);
      const machine = await env.machine(env.homeZones[0]);
      assert.equal(await driver.getInstanceState(machine), 'running');
      if (!driver.capabilities.fence) return;
      assert.equal(await wait(await driver.beginFenceNode(machine)), null);
      assert.equal(await driver.getInstanceState(machine), 'stopped');
      assert.equal(
        await wait(await driver.beginFenceNode(machine)),
        null,
        'fencing a stopped machine is done at once',
      );
    });
  });
}

/**
 * Runs child-driver.js and SIGKILLs it once `marker` exists in its output directory (or lets it
 * kill itself right after the cloud call when `dieBeforeHeartbeat`). Returns that directory.
 */
export async function runChild(
  env: Pick<FixtureEnv, 'spec'>,
  req: ChildRequest,
  marker: string,
  dieBeforeHeartbeat = false,
): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'kompox-contract-child-'));
  writeFileSync(join(out, 'spec.json'), JSON.stringify(env.spec));
  writeFileSync(join(out, 'request.json'), JSON.stringify(req));
  const child = spawn(
    process.execPath,
    [join(__dirname, 'child-driver.js'), join(out, 'spec.json'), join(out, 'request.json'), out],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...(dieBeforeHeartbeat ? { CHILD_DIE_BEFORE_HEARTBEAT: '1' } : {}) },
    },
  );
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  const deadline = Date.now() + 60_000;
  while (!existsSync(join(out, marker))) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    if (Date.now() > deadline) break;
    await sleep(20);
  }
  if (!dieBeforeHeartbeat) child.kill('SIGKILL');
  const how = await exited;
  assert.ok(
    existsSync(join(out, marker)),
    `the child never got to "${marker}" (exit ${String(how)}): ${stderr}`,
  );
  assert.equal(how, 'SIGKILL', `the child must die by SIGKILL: ${stderr}`);
  return out;
}
