// Records workflow histories for the replay test: runs every kind of operation on a real dev
// stack with the local control plane and writes each workflow's history as JSON next to this
// file. Re-record when a workflow change is meant to be incompatible (and say so in the
// commit), never to silence a replay failure.
//   node dist/test/histories/record.js
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { submitOperation, watchOperation } from '../../client/submit-operation';
import { repoRoot } from '../../workers/repo-root';
import { temporalCliPath } from '../../workers/temporal-cli';
import { appControllerWorkflowId } from '../../api/ids';
import type { OperationRecord } from '../../api/operation';
import { localAppTarget } from '../helpers/app-target';
import { kompoxopsJson, wikiProject } from '../helpers/deploy-project';
import { startTestStack } from '../helpers/dev-stack';

interface ScheduleView {
  recentRuns: { workflowId: string }[];
}

async function main(): Promise<void> {
  const stack = await startTestStack({ cluster: true });
  const out = join(repoRoot(), 'test', 'histories');
  // The Temporal CLI writes the canonical proto JSON that historyFromJSON reads back.
  const cli = temporalCliPath();
  const save = (workflowId: string, file: string) => {
    const json = execFileSync(cli, [
      'workflow',
      'show',
      '--address',
      stack.address,
      '-w',
      workflowId,
      '--output',
      'json',
      // Saved decoded: the stack's key dies with it, and the replay test has no key.
      ...(stack.codecServerUrl ? ['--codec-endpoint', stack.codecServerUrl] : []),
    ]);
    writeFileSync(join(out, file), json);
    process.stderr.write(`recorded ${file}\n`);
  };
  try {
    // Disk operations, driven like the CLI does.
    const target = localAppTarget({ app: 'recorded', volumes: ['db', 'files'] });
    const records: OperationRecord[] = [];
    const run = async (req: Parameters<typeof submitOperation>[1]) => {
      const accepted = await submitOperation(stack.client, req);
      records.push(await watchOperation(stack.client, target.appKey, accepted.id));
    };
    await run({ kind: 'disk.bootstrap', target });
    await run({ kind: 'disk.create', target, volume: 'db', name: 'db-two', zone: 'local-1b' });
    await run({ kind: 'disk.assign', target, volume: 'db', name: 'db-two' });
    await run({ kind: 'disk.create', target, volume: 'db', source: 'snapshot:missing' });
    save(appControllerWorkflowId(target.appKey), 'app-controller.json');
    for (const r of records) save(r.workflowId!, `${r.kind.replace('.', '-')}-${r.phase.toLowerCase()}.json`);

    // Deploy, snapshot, restore and a scheduled snapshot of the wiki example through kompoxops.
    const project = wikiProject('replayed');
    await kompoxopsJson(stack, project.dir, 'app', 'deploy', '--bootstrap-disks');
    await kompoxopsJson(stack, project.dir, 'snapshot', 'create');
    const snaps = await kompoxopsJson<{ name: string }[]>(stack, project.dir, 'snapshot', 'list', '-V', 'db');
    await kompoxopsJson(stack, project.dir, 'snapshot', 'restore', '-V', 'db', '-N', snaps[0]!.name);
    await kompoxopsJson(stack, project.dir, 'schedule', 'apply');
    await kompoxopsJson(stack, project.dir, 'schedule', 'trigger');
    let view: ScheduleView = { recentRuns: [] };
    for (let i = 0; i < 120 && view.recentRuns.length === 0; i++) {
      await sleep(500);
      view = await kompoxopsJson<ScheduleView>(stack, project.dir, 'schedule', 'show');
    }
    const scheduled = view.recentRuns[0]?.workflowId;
    if (!scheduled) throw new Error('the triggered schedule never ran');
    await stack.client.workflow.getHandle(scheduled).result();
    await kompoxopsJson(stack, project.dir, 'schedule', 'delete');
    const ops = await kompoxopsJson<OperationRecord[]>(stack, project.dir, 'op', 'list');
    for (const r of ops) {
      if (r.kind.startsWith('app.') || r.kind.startsWith('snapshot.')) {
        save(r.workflowId!, `${r.kind.replace('.', '-')}-${r.requester.via}-${r.phase.toLowerCase()}.json`);
      }
    }
    save(scheduled, 'scheduled-snapshot.json');
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
