// The shape every mutating command shares: submit to the controller, then (unless --no-wait)
// follow the steps live on stderr and set the exit code from the outcome.
import type { OperationRecord } from '../api/operation';
import { CliError, EXIT } from './exit-codes';
import type { GlobalOptions } from './project';
import {
  type NewRequest,
  OperationRefusedError,
  submitOperation,
  watchOperation,
} from '../client/submit-operation';
import { connectClient } from './temporal';

export async function runOperation(
  globals: GlobalOptions,
  request: NewRequest,
  wait: boolean,
): Promise<OperationRecord> {
  const { client, close } = await connectClient(globals);
  try {
    const accepted = await submitOperation(client, request).catch((err: unknown) => {
      if (err instanceof OperationRefusedError) throw new CliError(err.message, EXIT.usage);
      throw err;
    });
    process.stderr.write(`operation ${accepted.id} (${accepted.kind}) accepted\n`);
    if (!wait) return accepted;
    const done = await watchOperation(client, accepted.appKey, accepted.id, {
      onStep: (line) => process.stderr.write(`  ${line}\n`),
    });
    if (done.phase !== 'Completed') {
      process.stderr.write(
        `operation ${done.id} ${done.phase}${done.failure ? `: ${done.failure.reason}: ${done.failure.message}` : ''}\n`,
      );
      process.exitCode = EXIT.failed;
    }
    return done;
  } finally {
    await close();
  }
}
