// The copySnapshot activity on the real local driver (no cluster): a retry after a worker died
// mid-copy resumes the operation it heartbeated instead of starting the copy again, the same key
// returns the existing copy as is, and a provider that cannot copy across regions, an unknown
// region or the app's own region are refused without being retried.
import assert from 'node:assert/strict';
import { promises as fs, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { driverFor } from '../../../activities/driver-for-target';
import type { ActivityDeps } from '../../../activities/deps';
import type { SnapshotView } from '../../../activities/snapshot-view';
import { snapshotActivities } from '../../../activities/snapshots';
import type { AppTarget } from '../../../api/app-target';
import { isOperationHandle, waitForOperation } from '../../../drivers/long-operation';
import { devAccess } from '../../../workers/worker-config';
import { localAppTarget } from '../../helpers/app-target';

const fast = { intervalMs: 20, maxIntervalMs: 50 };
/** Refusals are expected here: only warnings and worse reach the test output. */
const quiet = { logger: new DefaultLogger('ERROR') };
const env = (info: ConstructorParameters<typeof MockActivityEnvironment>[0] = {}) =>
  new MockActivityEnvironment(info, quiet);

/** The failure an activity call ended with (it must have ended with one). */
async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApplicationFailure, String(err));
  return err;
}

void describe('copySnapshot activity (local driver)', () => {
  // The copy stays in progress for 600 ms, long enough to kill the first attempt in the middle.
  const target = localAppTarget({ settings: { LOCAL_LATENCY_MS: 'copySnapshot=600' } });
  const root = target.provider.settings.LOCAL_ROOT!;
  const deps: ActivityDeps = { stateDir: root, access: devAccess('the test') };
  const activities = snapshotActivities(deps);
  const input = {
    target,
    volume: 'db',
    name: 'snap-1',
    region: 'local-2',
    idempotencyKey: 'op-1/db/copy/local-2',
  };
  let sourceSha = '';

  before(async () => {
    const driver = await driverFor(deps, target);
    const ref = { app: target.appName, volume: 'db' };
    const disk = await waitForOperation(
      driver,
      await driver.beginCreateDisk({
        ...ref,
        sizeBytes: 1 << 30,
        zone: 'local-1a',
        assigned: true,
        idempotencyKey: 'd',
      }),
      fast,
    );
    await fs.writeFile(join(disk.handle, 'table'), Buffer.alloc(100_000, 3));
    const snap = await waitForOperation(
      driver,
      await driver.beginCreateSnapshot({ ...ref, name: 'snap-1', idempotencyKey: 's' }),
      fast,
    );
    sourceSha = await metaSha(snap.handle);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const metaSha = async (handle: string): Promise<string> =>
    (JSON.parse(await fs.readFile(join(handle, 'meta.json'), 'utf8')) as { sha256: string }).sha256;

  const copiesIn = async (t: AppTarget, region: string) =>
    (await (await driverFor(deps, t)).listSnapshots({ app: t.appName, volume: 'db' })).filter(
      (s) => s.region === region,
    );

  void it('resumes from the heartbeated handle after a worker dies mid-copy, copying once', async () => {
    const first = env({ attempt: 1 });
    let handle: unknown;
    first.on('heartbeat', (details: unknown) => {
      if (isOperationHandle(details) && details.kind === 'copySnapshot' && handle === undefined) {
        handle = details;
        first.cancel(); // the worker is gone: this attempt ends, its last heartbeat stays
      }
    });
    await assert.rejects(first.run(activities.copySnapshot, input));
    assert.ok(handle, 'the first attempt heartbeated no copy handle');
    const inFlight = await copiesIn(target, 'local-2');
    assert.deepEqual(
      inFlight.map((s) => [s.name, s.state]),
      [['snap-1-local-2', 'creating']],
    );

    // The retry may not start a copy: with every copy call failing it can only succeed by resuming.
    const refusing = {
      ...target,
      provider: {
        ...target.provider,
        settings: { ...target.provider.settings, LOCAL_FAULTS: 'copySnapshot=1' },
      },
    };
    const retry = env({ attempt: 2, heartbeatDetails: handle });
    const copy: SnapshotView = await retry.run(activities.copySnapshot, { ...input, target: refusing });
    assert.equal(copy.name, 'snap-1-local-2');
    assert.equal(copy.region, 'local-2');
    assert.equal(copy.ready, true);
    assert.equal(copy.volumeName, 'db');
    assert.equal(await metaSha(copy.handle), sourceSha);
    assert.deepEqual(
      (await copiesIn(target, 'local-2')).map((s) => s.name),
      ['snap-1-local-2'],
    );
  });

  void it('returns the copy made for the key as is', async () => {
    const [before] = await copiesIn(target, 'local-2');
    const again: SnapshotView = await env().run(activities.copySnapshot, input);
    assert.equal(again.name, before?.name);
    assert.equal(again.createdAt, before?.createdAt);
    assert.equal(again.handle, before?.handle);
    assert.equal((await copiesIn(target, 'local-2')).length, 1);
  });

  void it('refuses a provider without cross-region copies, not to be retried', async () => {
    const k3s = { ...target, provider: { ...target.provider, driver: 'k3s', settings: {} } };
    const failure = await failureOf(env().run(activities.copySnapshot, { ...input, target: k3s }));
    assert.equal(failure.type, 'Unsupported');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /provider local \(driver k3s\) cannot copy snapshots to another region/);
  });

  void it('checks copyToRegion against the provider: known, not the own region, field named', async () => {
    const withCopy = (copyToRegion: string): AppTarget => ({
      ...target,
      snapshots: { timeZone: 'UTC', consistency: 'crash', copyToRegion },
    });
    const check = (t: AppTarget) => env().run(activities.checkCopyRegion, { target: t });
    assert.deepEqual(await check(withCopy('local-2')), { region: 'local-2', home: 'local-1' });
    assert.equal(await check(target), null);
    const unknown = await failureOf(check(withCopy('local-9')));
    assert.equal(unknown.type, 'InvalidArgument');
    assert.equal(unknown.nonRetryable, true);
    assert.match(
      unknown.message,
      /^spec\.snapshots\.copyToRegion: "local-9" is not a region of provider local \(driver local\) \(known: local-1, local-2\)$/,
    );
    const own = await failureOf(check(withCopy('local-1')));
    assert.match(own.message, /^spec\.snapshots\.copyToRegion: "local-1" is the app's own region/);
  });
});
