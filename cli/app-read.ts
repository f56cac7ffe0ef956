// The CLI's reads, done by the worker (client/app-read.ts): one clear line when they fail.
import { AppReadError, readApp } from '../client/app-read';
import type { AppReadRequest, AppReadResult } from '../workflows/app-read';
import { CliError, EXIT } from './exit-codes';
import type { GlobalOptions } from './project';
import { connectClient } from './temporal';

/** `connecting`: a connection the caller already started (to overlap it with its own work). */
export async function readThroughWorker(
  globals: GlobalOptions,
  request: AppReadRequest,
  connecting: ReturnType<typeof connectClient> = connectClient(globals),
): Promise<AppReadResult> {
  const { client, close } = await connecting;
  try {
    return await readApp(client, request);
  } catch (err) {
    if (err instanceof AppReadError) {
      const code = err.reason === 'InvalidArgument' ? EXIT.usage : EXIT.failed;
      throw new CliError(`cannot read ${request.target.appKey}: ${err.reason}: ${err.message}`, code);
    }
    throw err;
  } finally {
    await close();
  }
}
