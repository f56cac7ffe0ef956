// The worker never reads the CLI's files: the project is deployed from one directory tree,
// that tree is deleted, and a snapshot, a restore (a redeploy, with env-file and secret-file
// values) and a scheduled run all still succeed from the revision the controller keeps.
// A revision over the size limit is refused before anything starts.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { AppStatus } from '../../../cli/commands/app';
import { applySnapshotSchedule, snapshotScheduleId } from '../../../client/snapshot-schedule';
import { appControllerWorkflowId } from '../../../api/ids';
import { controllerViewQuery, deployedRevisionQuery } from '../../../api/messages';
import type { OperationRecord } from '../../../api/operation';
import { kompoxops, kompoxopsJson, wikiProject } from '../../helpers/deploy-project';
import { deploySuite } from '../../helpers/deploy-suite';
import { appObjects } from '../../helpers/kube-app';
import { runOperation } from '../../helpers/snapshots';

void describe('app revisions', () => {
  const suite = deploySuite();

  void it('snapshot, restore and a scheduled run succeed after the project directory is gone', async () => {
    const p = wikiProject(`rev${process.pid}`);
    // The disks live apart from the project (as cloud disks would), so deleting it leaves them.
    const disks = mkdtempSync(join(tmpdir(), 'kompox-rev-disks-'));
    const infra = join(p.dir, '.kompox', 'kom', 'infra.yml');
    writeFileSync(
      infra,
      readFileSync(infra, 'utf8').replace(JSON.stringify(p.localRoot), JSON.stringify(disks)),
    );
    const op = await kompoxopsJson<OperationRecord>(suite.stack, p.dir, 'app', 'deploy', '--bootstrap-disks');
    assert.equal(op.phase, 'Completed', JSON.stringify(op.failure));
    assert.match(op.revision?.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    const status = await kompoxopsJson<AppStatus>(suite.stack, p.dir, 'app', 'status');
    assert.equal(status.deployed?.digest, op.revision?.digest);
    assert.equal(status.deployed?.operationId, op.id);
    assert.equal(status.placement?.clusterId, '/ws/demo/prv/local/cls/dev');
    assert.ok(status.placement?.zone, 'the controller knows the zone');

    // The worker has nothing but the revision from now on.
    rmSync(p.dir, { recursive: true, force: true });
    const { client } = suite.stack;

    const snap = await runOperation(client, { kind: 'snapshot.create', appKey: p.appKey, volume: 'db' });
    assert.equal(snap.phase, 'Completed', JSON.stringify(snap.failure));
    const name = String(snap.figures?.['volume.db']);

    const restore = await runOperation(client, {
      kind: 'snapshot.restore',
      appKey: p.appKey,
      volume: 'db',
      name,
    });
    assert.equal(restore.phase, 'Completed', JSON.stringify(restore.failure));
    assert.equal(restore.revision?.digest, op.revision?.digest, 'restore redeployed the deployed revision');
    // Env-file and secret-file values came from the revision into the cluster's Secrets.
    const objs = await appObjects(suite.kc, status.namespace, p.appName);
    const secretData = objs.secrets.flatMap((s) =>
      Object.values(s.data ?? {}).map((b64) => Buffer.from(b64, 'base64').toString('utf8')),
    );
    for (const value of p.secretValues)
      assert.ok(
        secretData.some((d) => d.includes(value)),
        `${value} is in no Secret after the restore`,
      );

    // A schedule made from the controller's deployed target: each run asks for the app key only.
    const deployed = await client.workflow
      .getHandle(appControllerWorkflowId(p.appKey))
      .query(deployedRevisionQuery);
    assert.ok(deployed, 'the controller keeps the deployed revision');
    assert.equal(deployed.revision.digest, op.revision?.digest);
    const target = {
      ...deployed.target,
      snapshots: {
        schedule: { kind: 'interval' as const, everyMs: 2000, text: '2s' },
        timeZone: 'UTC',
        consistency: 'crash' as const,
      },
    };
    assert.equal((await applySnapshotSchedule(client, target)).result, 'created');
    await client.schedule.getHandle(snapshotScheduleId(p.appKey)).trigger();
    const deadline = Date.now() + 90_000;
    let scheduled: OperationRecord | undefined;
    while (!scheduled) {
      assert.ok(Date.now() < deadline, 'no scheduled snapshot completed within 90 s');
      await sleep(500);
      const view = await client.workflow
        .getHandle(appControllerWorkflowId(p.appKey))
        .query(controllerViewQuery);
      scheduled = view.recentOperations.find(
        (o) => o.requester.via === 'schedule' && o.phase === 'Completed',
      );
    }
    await client.schedule.getHandle(snapshotScheduleId(p.appKey)).delete();
    assert.match(scheduled.summary, /scheduled=/);
    rmSync(disks, { recursive: true, force: true });
  });

  void it('refuses a revision over the size limit before anything starts, naming the largest files', async () => {
    const p = suite.track(wikiProject(`revbig${process.pid}`));
    const r = await kompoxops(suite.stack, p.dir, 'app', 'deploy', '--bootstrap-disks');
    assert.equal(r.status, 0, r.stderr);
    const limited = await new Promise<{ status: number; stderr: string }>((resolve) => {
      process.env.KOMPOX_REVISION_LIMIT_BYTES = '2000';
      void kompoxops(suite.stack, p.dir, 'app', 'deploy').then((res) => {
        delete process.env.KOMPOX_REVISION_LIMIT_BYTES;
        resolve(res);
      });
    });
    assert.equal(limited.status, 2, limited.stderr);
    assert.match(limited.stderr, /over the limit of 2000 bytes; largest: /);
    assert.match(limited.stderr, /compose file|app model/);
    const view = await suite.stack.client.workflow
      .getHandle(appControllerWorkflowId(p.appKey))
      .query(controllerViewQuery);
    assert.equal(
      view.recentOperations.filter((o) => o.kind === 'app.deploy').length,
      1,
      'no second deploy started',
    );
  });
});
