// Integration tests run on the real Temporal dev server and a real worker process, started
// through the same code as `kompoxops dev up`. Set KOMPOX_TEST_DEV_DIR to share one running
// stack between test files; otherwise each file gets its own in a temp dir and stops it after.
// When the server cannot start (no Temporal CLI, say) the tests fail with the reason.
import { Client, Connection } from '@temporalio/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devStackDown, devStackUp } from '../../workers/dev-stack';
import { NAMESPACE } from '../../workers/dev-stack-constants';

export interface TestStack {
  dir: string;
  address: string;
  client: Client;
  stop(): Promise<void>;
}

export async function startTestStack(): Promise<TestStack> {
  const shared = process.env.KOMPOX_TEST_DEV_DIR;
  const dir = shared ?? mkdtempSync(join(tmpdir(), 'kompox-test-'));
  const status = await devStackUp(dir);
  if (!status.temporalAddress) throw new Error(`dev stack in ${dir} reports no Temporal address`);
  const connection = await Connection.connect({ address: status.temporalAddress });
  const client = new Client({ connection, namespace: NAMESPACE });
  return {
    dir,
    address: status.temporalAddress,
    client,
    async stop() {
      await connection.close();
      if (!shared) {
        await devStackDown(dir);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
