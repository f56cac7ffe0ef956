// One stack and one deployed app per migration test file: the stack starts and the app is
// deployed (with disks) before the tests, and both are gone after. The CLI runs in the project.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before } from 'node:test';
import type { DiskView } from '../../api/messages';
import type { OperationRecord } from '../../api/operation';
import { type CliResult, type TestProject, kompoxops, kompoxopsJson } from './deploy-project';
import { type TestStack, type TestStackOptions, startTestStack } from './dev-stack';

export interface MigrationSuite {
  readonly stack: TestStack;
  cli(...args: string[]): Promise<CliResult>;
  json<T>(...args: string[]): Promise<T>;
  /** The assigned disk of each volume, by volume name. */
  assignedDisks(): Promise<DiskView[]>;
}

export function migrationSuite(project: TestProject, options: TestStackOptions): MigrationSuite {
  let stack: TestStack | undefined;
  const suite: MigrationSuite = {
    get stack() {
      assert.ok(stack, 'the stack did not start');
      return stack;
    },
    cli: (...args) => kompoxops(suite.stack, project.dir, ...args),
    json: (...args) => kompoxopsJson(suite.stack, project.dir, ...args),
    assignedDisks: async () =>
      (await suite.json<DiskView[]>('disk', 'list'))
        .filter((d) => d.assigned)
        .sort((a, b) => a.volumeName.localeCompare(b.volumeName)),
  };
  before(async () => {
    stack = await startTestStack(options);
    const deployed = await suite.json<OperationRecord>('app', 'deploy', '--bootstrap-disks');
    assert.equal(deployed.phase, 'Completed', JSON.stringify(deployed.failure));
  });
  after(async () => {
    await stack?.stop();
    rmSync(project.dir, { recursive: true, force: true });
  });
  return suite;
}
