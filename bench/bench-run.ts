// A bench's lifecycle around its dev stack: what it leaves behind is removed whatever happened,
// and a failure is printed with its stack and ends the process with status 1.
import type { Connection } from '@temporalio/client';
import { rmSync } from 'node:fs';
import { devStackDown } from '../dev/dev-stack';
import type { TestProject } from '../test/helpers/deploy-project';

/** Closes the connection, stops the dev stack in `dir` and removes it and the projects' copies. */
export async function cleanUpBench(
  dir: string,
  projects: TestProject[],
  connection: Connection | undefined,
): Promise<void> {
  await connection?.close();
  await devStackDown(dir).catch((err: unknown) => process.stderr.write(`dev down: ${String(err)}\n`));
  rmSync(dir, { recursive: true, force: true });
  for (const p of projects) rmSync(p.dir, { recursive: true, force: true });
}

export function runBench(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
