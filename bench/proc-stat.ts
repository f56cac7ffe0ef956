// CPU time of another process from /proc, for benchmarks that weigh a worker or server's share.
import { readFileSync } from 'node:fs';

/** User + system CPU seconds of a process so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
