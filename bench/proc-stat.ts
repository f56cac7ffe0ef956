// CPU time of another process from /proc, for benchmarks that weigh a worker or server's share.
import { readFileSync, readdirSync } from 'node:fs';

function statFields(pid: number): string[] {
  // The command name (field 2) may hold spaces; what follows its closing parenthesis does not.
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
}

/** User + system CPU seconds of a process so far. */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU seconds of a process and its children: the living ones, and those it has reaped (their
 * time is in its own cutime and cstime). For a server that forks a process per connection.
 */
export function treeCpuSeconds(pid: number): number {
  const own = statFields(pid);
  let total = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === pid) continue;
    try {
      const fields = statFields(Number(entry));
      if (Number(fields[1]) === pid) total += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended while we looked
    }
  }
  return total / 100;
}
