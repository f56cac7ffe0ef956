// What replaces the settings denylist: a secret that travels in operation requests is in no
// history, schedule or visibility record the server keeps, in any encoding, because every
// payload the CLI, the worker and the worker's own client send is encrypted. Real Temporal dev
// server and worker; the secret rides in a provider setting, so it is in the update that
// submits each operation, in the child workflows' inputs, in activity inputs and in the
// Schedule's action. Requests come from a Client in this test, from `kompoxops` and from the
// scheduled runs that signal the controller from inside the worker.
import type { Client } from '@temporalio/client';
import { EncryptionCodec } from '../../../client/codec/encryption-codec';
import { loadKeyRing } from '../../../client/codec/key-source';
import { applySnapshotSchedule, snapshotScheduleId } from '../../../client/snapshot-schedule';
import { NAMESPACE } from '../../../workers/dev-stack-constants';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { localAppTarget } from '../../helpers/app-target';
import { kompoxops, wikiProject } from '../../helpers/deploy-project';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';
import { findLeak, payloadsOf } from '../../helpers/leak-scan';
import {
  controllerView,
  runOperation,
  setProviderSettings,
  waitControllerIdle,
} from '../../helpers/snapshots';

// Quote, backslash and a non-ASCII letter, so the JSON-escaped form differs from the raw one.
const MARKER = `codec-marker-${randomBytes(8).toString('hex')}"\\é`;
// A name the worker's error message quotes: failure messages are encrypted too.
const FAILURE_MARKER = `codec-failure-${randomBytes(8).toString('hex')}`;

/** Every run of every workflow of the namespace, as the server's visibility store lists them. */
async function allExecutions(client: Client) {
  const out = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({
      namespace: NAMESPACE,
      pageSize: 100,
      nextPageToken,
    });
    out.push(...(page.executions ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return out;
}

/** A run's history exactly as stored: the raw service call, no data converter involved. */
async function rawHistory(client: Client, workflowId: string, runId: string) {
  const events = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: NAMESPACE,
      execution: { workflowId, runId },
      nextPageToken,
    });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return events;
}

const text = (b?: Uint8Array | null) => Buffer.from(b ?? new Uint8Array()).toString('utf8');

/** A call the server gave up on (gRPC DEADLINE_EXCEEDED, code 4) is made again, three tries in all. */
async function againOnDeadline<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= 3 || (err as { code?: number }).code !== 4) throw err;
    }
  }
}

void describe('payload encryption: no secret in anything Temporal stores', () => {
  let stack: TestStack;
  const cleanup: string[] = [];
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  });

  void it('histories, schedules, memos and search attributes hold the secret in no encoding', async () => {
    // 1. From a Client: disks, then a Schedule whose runs submit from inside the worker.
    const target = localAppTarget({
      settings: { CODEC_MARKER: MARKER },
      snapshots: {
        schedule: { kind: 'interval', everyMs: 2000, text: '2s' },
        timeZone: 'UTC',
        consistency: 'crash',
        retention: { keepLast: 1 },
      },
    });
    cleanup.push(target.provider.settings.LOCAL_ROOT!);
    const boot = await runOperation(stack.client, { kind: 'disk.bootstrap', target });
    assert.equal(boot.phase, 'Completed', JSON.stringify(boot.failure));
    const failed = await runOperation(stack.client, {
      kind: 'disk.create',
      target,
      volume: 'db',
      source: `snapshot:${FAILURE_MARKER}`,
    });
    assert.equal(failed.phase, 'Failed');
    // The key holder still reads the reason.
    assert.match(failed.failure?.message ?? '', new RegExp(FAILURE_MARKER));
    assert.equal((await applySnapshotSchedule(stack.client, target)).result, 'created');
    const deadline = Date.now() + 60_000;
    for (;;) {
      const view = await controllerView(stack.client, target.appKey);
      if (view.recentOperations.some((o) => o.requester.via === 'schedule' && o.phase === 'Completed')) break;
      assert.ok(Date.now() < deadline, 'no scheduled snapshot completed within 60 s');
      await sleep(500);
    }

    // 2. From kompoxops: a project whose provider carries the secret.
    const project = wikiProject(`codec${process.pid}`);
    cleanup.push(project.dir);
    // Not named like a credential: cli/project.ts still drops those before they reach a request.
    setProviderSettings(project, { CODEC_MARKER: MARKER });
    const created = await kompoxops(stack, project.dir, 'disk', 'create', '--bootstrap');
    assert.equal(created.status, 0, created.stderr);

    // 3. The Schedule as stored: its action's input is encrypted.
    // The server answers from the Schedule's own workflow: on a busy machine that once took
    // longer than the server's deadline for it (gRPC DEADLINE_EXCEEDED, code 4), so that is tried again.
    const schedule = await againOnDeadline(() =>
      stack.client.workflowService.describeSchedule({
        namespace: NAMESPACE,
        scheduleId: snapshotScheduleId(target.appKey),
      }),
    );
    for (const secret of [MARKER, FAILURE_MARKER])
      assert.equal(findLeak(schedule, secret), '', 'in the Schedule');
    // Search attributes are plaintext by design (the server indexes them); the secret is in none.
    const actionInput = payloadsOf(schedule.schedule?.action).filter(
      (p) => !p.path.includes('.searchAttributes.'),
    );
    assert.ok(actionInput.length > 0, 'the Schedule has no action input');
    for (const { path, payload } of actionInput)
      assert.equal(text(payload.metadata?.encoding), 'binary/encrypted', `Schedule${path}`);
    assert.equal(
      (await applySnapshotSchedule(stack.client, { ...target, snapshots: undefined })).result,
      'deleted',
    );
    await waitControllerIdle(stack.client, target.appKey);

    // 4. Every run of every workflow: visibility record (memo, search attributes) and history.
    const codec = new EncryptionCodec(loadKeyRing({ env: {}, devDir: stack.dir }));
    const executions = await allExecutions(stack.client);
    const types = new Set(executions.map((e) => e.type?.name));
    for (const t of ['appController', 'scheduledSnapshotWorkflow'])
      assert.ok(types.has(t), `no ${t} run among ${[...types].join(', ')}`);
    const decodedHits = new Map<string, number>();
    let payloadCount = 0;
    for (const e of executions) {
      const id = `${e.execution?.workflowId} (${e.type?.name})`;
      assert.equal(
        findLeak({ memo: e.memo, searchAttributes: e.searchAttributes }, MARKER) +
          findLeak({ memo: e.memo, searchAttributes: e.searchAttributes }, FAILURE_MARKER),
        '',
        `${id} visibility`,
      );
      const events = await rawHistory(stack.client, e.execution!.workflowId!, e.execution!.runId!);
      assert.ok(events.length > 0, `${id} has no history`);
      assert.equal(findLeak(events, MARKER), '', `${id} history`);
      assert.equal(findLeak(events, FAILURE_MARKER), '', `${id} history (failure message)`);
      if (e.execution?.workflowId === failed.workflowId) {
        const failures = events.flatMap((ev) =>
          ev.activityTaskFailedEventAttributes?.failure ? [ev.activityTaskFailedEventAttributes.failure] : [],
        );
        assert.ok(failures.length > 0, `${id}: no activity failed`);
        for (const f of failures)
          assert.equal(f.message, 'Encoded failure', `${id}: failure message in the clear`);
      }
      for (const { path, payload } of payloadsOf(events)) {
        // Search attributes are plaintext by design: the server indexes them.
        if (path.includes('.searchAttributes.')) continue;
        // The SDK core's own marker records (a patch's id; a local activity's sequence number,
        // attempt, type and times) hold no user data, and the leak scan above covers them; a
        // local activity's result is user data and is checked here.
        if (/\.markerRecordedEventAttributes\.details\.(patch-data|data)\.payloads/.test(path)) continue;
        payloadCount++;
        assert.equal(
          text(payload.metadata?.encoding),
          'binary/encrypted',
          `${id} event${path} is not encrypted`,
        );
        // The positive control: decoded with the stack's key, the secret is there.
        const [plain] = await codec.decode([payload]);
        if (Buffer.from(plain!.data ?? []).includes(Buffer.from(JSON.stringify(MARKER).slice(1, -1))))
          decodedHits.set(id, (decodedHits.get(id) ?? 0) + 1);
      }
    }
    assert.ok(
      payloadCount > 20,
      `only ${payloadCount} payloads found; is the walk looking at the right fields?`,
    );
    // …from the test's client and from kompoxops. (Scheduled runs carry only the app key: the
    // controller acts on the target it keeps, so the secret is not in their payloads at all.)
    const hits = [...decodedHits.keys()];
    for (const where of [target.appName, project.appName])
      assert.ok(
        hits.some((h) => h.includes(where)),
        `no decoded payload with the secret in ${where}: ${hits.join(', ')}`,
      );
  });
});
