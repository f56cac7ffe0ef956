// A worker killed (SIGKILL) while Azure runs one of its long operations, a disk made from a
// snapshot and a snapshot copied to another region with CopyStart: the retried activity resumes
// from the heartbeated handle (the SDK poller's serialized state) and, as the Azure fake's
// request log shows, sends no second create. The operations take long enough (the fake's latency)
// to still run when the worker dies; no random faults here, so every PUT in the log is one the
// driver chose to send.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { type AksDriver, createAksDriver } from '../../drivers/aks/aks-driver';
import { armName } from '../../drivers/aks/arm-names';
import type { DriverContext, OperationHandle, OperationKind, OperationResults } from '../../drivers/driver';
import { waitForOperation } from '../../drivers/long-operation';
import type { LoggedRequest } from '../fakes/cloud-model';
import { type AzureFake, OTHER_LOCATION, startAzureFake } from '../fakes/azure/start-azure-fake';
import type { ChildRequest } from './child-driver';
import type { DriverSpec } from './driver-fixture';

const GiB = 1024 ** 3;
const ref = { app: 'resume', volume: 'data' };

/** Runs child-driver.js on `req` and SIGKILLs it once it has written the handle; returns the handle. */
async function beginInKilledWorker<K extends OperationKind>(
  spec: DriverSpec,
  req: ChildRequest,
): Promise<OperationHandle<K>> {
  const out = mkdtempSync(join(tmpdir(), 'kompox-aks-resume-'));
  try {
    writeFileSync(join(out, 'spec.json'), JSON.stringify(spec));
    writeFileSync(join(out, 'request.json'), JSON.stringify(req));
    const child = spawn(
      process.execPath,
      [join(__dirname, 'child-driver.js'), join(out, 'spec.json'), join(out, 'request.json'), out],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<string | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    const handleFile = join(out, 'handle.json');
    const deadline = Date.now() + 60_000;
    while (!existsSync(handleFile) && child.exitCode === null && Date.now() < deadline) await sleep(10);
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL', `the worker must die by SIGKILL: ${stderr}`);
    assert.ok(existsSync(handleFile), `the worker never heartbeated a handle: ${stderr}`);
    return JSON.parse(readFileSync(handleFile, 'utf8')) as OperationHandle<K>;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

void describe('aks: a killed worker resumes Azure long operations from the heartbeat', () => {
  let azure: AzureFake;
  let driver: AksDriver;
  let spec: DriverSpec;
  const wait = <K extends OperationKind>(op: OperationHandle<K>): Promise<OperationResults[K]> =>
    waitForOperation(driver, op, { intervalMs: 50, maxIntervalMs: 200, timeoutMs: 60_000 });
  const puts = (since: number, name: string): LoggedRequest[] =>
    azure.model.requests.slice(since).filter((r) => r.method === 'PUT' && r.token === name);

  before(async () => {
    azure = await startAzureFake({
      faultRate: 0,
      latencyMs: { createDisk: 1_500, copySnapshot: 2_500, '*': 0 },
    });
    const ctx: DriverContext = {
      workspace: 'ws',
      provider: 'aks-resume',
      cluster: 'prod',
      providerSettings: azure.settings,
      clusterSettings: {},
      stateDir: '/nonexistent',
    };
    driver = createAksDriver(ctx, { retryDelayInMs: 10 });
    spec = { driver: 'aks', ctx };
    await wait(
      await driver.beginCreateDisk({
        ...ref,
        name: 'd1',
        zone: '1',
        sizeBytes: GiB,
        idempotencyKey: 'resume-d1',
      }),
    );
    await wait(
      await driver.beginCreateSnapshot({ ...ref, name: 's1', disk: 'd1', idempotencyKey: 'resume-s1' }),
    );
  });
  after(() => azure?.stop());

  void it('a disk from a snapshot: one PUT, polled on by the next worker until ready', async () => {
    const request = {
      ...ref,
      name: 'r1',
      zone: '2',
      sizeBytes: GiB,
      source: { kind: 'snapshot' as const, name: 's1' },
      idempotencyKey: 'resume-r1',
    };
    const resource = armName('r1', request.idempotencyKey);
    const start = azure.model.requests.length;
    const handle = await beginInKilledWorker<'createDisk'>(spec, { kind: 'createDisk', request });
    const killedAt = azure.model.requests.length;
    assert.equal(puts(start, resource).length, 1, 'the killed worker sent the create once');
    const inCloud = [...azure.model.disks.values()].filter((d) => d.name === resource);
    assert.equal(inCloud.length, 1);
    assert.equal(inCloud[0]!.state, 'creating', 'the worker died while Azure was still creating the disk');
    assert.equal(
      typeof (handle.pollState.pollers as unknown[])[0],
      'string',
      'the handle carries the serialized poller',
    );

    const disk = await wait(handle);
    assert.equal(disk.name, 'r1');
    assert.equal(disk.zone, '2');
    assert.equal(disk.source?.name, 's1');
    const resumed = azure.model.requests.slice(killedAt);
    assert.ok(
      resumed.some((r) => r.method === 'GET' && /\/operations\//.test(r.path)),
      'the next worker polled the Azure-AsyncOperation the first one started',
    );
    assert.equal(puts(killedAt, resource).length, 0, 'resuming sent no create');
    // A retry that lost even the handle begins again with the same key: still no second PUT.
    assert.equal((await wait(await driver.beginCreateDisk(request))).handle, disk.handle);
    assert.equal(puts(start, resource).length, 1);
    assert.equal(
      [...azure.model.disks.values()].filter((d) => d.tags['kompox-disk-name'] === 'r1').length,
      1,
    );
  });

  void it('a snapshot copy to another region: one CopyStart PUT, polled to 100 % by the next worker', async () => {
    const request = {
      snapshot: { ...ref, name: 's1' },
      targetRegion: OTHER_LOCATION,
      targetName: 's1-far',
      idempotencyKey: 'resume-copy',
    };
    const resource = armName('s1-far', request.idempotencyKey);
    const start = azure.model.requests.length;
    const handle = await beginInKilledWorker<'copySnapshot'>(spec, { kind: 'copySnapshot', request });
    const killedAt = azure.model.requests.length;
    assert.equal(puts(start, resource).length, 1, 'the killed worker sent the copy once');
    const copies = [...azure.model.snapshots.values()].filter((s) => s.copiedFromId !== undefined);
    assert.equal(copies.length, 1);
    assert.equal(copies[0]!.state, 'creating', 'the worker died while Azure was still copying');

    const progress: (number | undefined)[] = [];
    const copy = await waitForOperation(driver, handle, {
      intervalMs: 50,
      maxIntervalMs: 200,
      timeoutMs: 60_000,
      onPoll: (_op, p) => void progress.push(p),
    });
    assert.equal(copy.region, OTHER_LOCATION);
    assert.equal(copy.ready, true);
    assert.equal(copy.copiedFrom?.name, 's1');
    assert.ok(
      progress.some((p) => p !== undefined && p > 0 && p < 1),
      `the copy reported its completionPercent on the way: ${progress.join(',')}`,
    );
    assert.equal(puts(killedAt, resource).length, 0, 'resuming sent no copy');
    assert.equal((await wait(await driver.beginCopySnapshot(request))).handle, copy.handle);
    assert.equal(puts(start, resource).length, 1);
    assert.equal([...azure.model.snapshots.values()].filter((s) => s.copiedFromId !== undefined).length, 1);
  });
});
