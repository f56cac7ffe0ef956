// Runs a command in a container and resolves with its exit status, stdout and stderr, or fails
// with ExecTimeoutError when it does not finish within the timeout (used by snapshot hooks).
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { Writable } from 'node:stream';
import { toKubeError } from './errors';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * The command did not finish in time and its exec stream was closed. Retrying would only wait
 * as long again, so callers fail for good and say which limit to raise.
 */
export class ExecTimeoutError extends Error {
  override readonly name = 'ExecTimeoutError';
  constructor(
    readonly command: readonly string[],
    readonly timeoutMs: number,
    where: string,
  ) {
    super(
      `${JSON.stringify(command)} in ${where} did not finish within ${formatLimit(timeoutMs)} and was stopped`,
    );
  }
}

function formatLimit(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      // Keep the last 64 KiB: enough to explain a failure, bounded for chatty commands.
      chunks.push(chunk);
      while (chunks.reduce((n, c) => n + c.length, 0) > 65536) chunks.shift();
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

export async function execInContainer(
  kc: KubeConfig,
  target: { namespace: string; pod: string; container: string },
  command: string[],
  timeoutMs: number,
): Promise<ExecResult> {
  const out = collector();
  const err = collector();
  let socket: { close(): void } | undefined;
  let timedOut = false;
  const where = `${target.namespace}/${target.pod}/${target.container}`;
  const what = `exec ${JSON.stringify(command)} in ${where}`;
  return new Promise<ExecResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      // End the exec session rather than leave it open (a socket still opening is closed on arrival).
      timedOut = true;
      socket?.close();
      reject(new ExecTimeoutError(command, timeoutMs, where));
    }, timeoutMs);
    const onStatus = (status: V1Status) => {
      clearTimeout(timer);
      const code =
        status.status === 'Success'
          ? 0
          : Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message ?? 1);
      resolve({ exitCode: code, stdout: out.text(), stderr: err.text() });
    };
    new Exec(kc)
      .exec(
        target.namespace,
        target.pod,
        target.container,
        command,
        out.stream,
        err.stream,
        null,
        false,
        onStatus,
      )
      .then((ws) => {
        socket = ws;
        if (timedOut) ws.close();
      })
      .catch((e: unknown) => {
        clearTimeout(timer);
        reject(toKubeError(e, what));
      });
  });
}
