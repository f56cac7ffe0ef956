// The worker's log lines: JSON, one object a line (time, level, msg, then the entry's fields:
// workflow, activity, app key, operation id…) for log collectors, or the SDK's text for a
// terminal. Like kubectl and velero, text when stderr is a terminal and JSON otherwise unless
// asked. Every line of the process goes through here: the SDK's, the workflows' `log` and ours.
import { DefaultLogger, type LogEntry } from '@temporalio/worker';

export const LOG_FORMATS = ['json', 'text'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export function defaultLogFormat(): LogFormat {
  return process.stderr.isTTY ? 'text' : 'json';
}

export function workerLogger(format: LogFormat): DefaultLogger {
  return format === 'json' ? new DefaultLogger('INFO', writeJsonLine) : new DefaultLogger('INFO');
}

function writeJsonLine({ level, message, timestampNanos, meta }: LogEntry): void {
  const time = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
  const line = JSON.stringify({ time, level, msg: message, ...meta }, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value instanceof Error ? value.message : value,
  );
  process.stderr.write(`${line}\n`);
}
