// Records workflow histories for the replay test: runs a scenario of disk operations on a
// real dev stack and writes each workflow's history as JSON next to this file. Re-record when
// a workflow change is meant to be incompatible (and say so in the commit), never to silence
// a replay failure.
//   node dist/test/histories/record.js
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { submitOperation, watchOperation } from '../../client/submit-operation';
import { repoRoot } from '../../workers/repo-root';
import { temporalCliPath } from '../../workers/temporal-cli';
import { appControllerWorkflowId } from '../../workflows/ids';
import type { OperationRecord } from '../../workflows/operation';
import { localAppTarget } from '../helpers/app-target';
import { startTestStack } from '../helpers/dev-stack';

async function main(): Promise<void> {
  const stack = await startTestStack();
  try {
    const target = localAppTarget({ app: 'recorded', volumes: ['db', 'files'] });
    const records: OperationRecord[] = [];
    const run = async (req: Parameters<typeof submitOperation>[1]) => {
      const accepted = await submitOperation(stack.client, req);
      records.push(await watchOperation(stack.client, target.appId, accepted.id));
    };
    await run({ kind: 'disk.bootstrap', target });
    await run({ kind: 'disk.create', target, volume: 'db', name: 'db-two', zone: 'local-1b' });
    await run({ kind: 'disk.assign', target, volume: 'db', name: 'db-two' });
    await run({ kind: 'disk.create', target, volume: 'db', source: 'snapshot:missing' });
    const out = join(repoRoot(), 'test', 'histories');
    // The Temporal CLI writes the canonical proto JSON that historyFromJSON reads back.
    const cli = temporalCliPath();
    const save = async (workflowId: string, file: string) => {
      const json = execFileSync(cli, [
        'workflow',
        'show',
        '--address',
        stack.address,
        '-w',
        workflowId,
        '--output',
        'json',
      ]);
      writeFileSync(join(out, file), json);
      process.stderr.write(`recorded ${file}\n`);
    };
    await save(appControllerWorkflowId(target.appId), 'app-controller.json');
    for (const r of records)
      await save(r.workflowId!, `${r.kind.replace('.', '-')}-${r.phase.toLowerCase()}.json`);
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
