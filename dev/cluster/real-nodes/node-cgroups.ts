// Each real node's pods live under a cgroup root of its own (`/kompox-<cluster>-<n>`), so two
// kubelets on one machine never manage the same `kubepods`, and a power-off can find and kill every
// container of one node. Works on cgroup v1 (one dir per hierarchy) and v2 (one unified tree).
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

const CGROUP_FS = '/sys/fs/cgroup';
const CGROUP2_MAGIC = 0x63677270;

export const isCgroupV2 = (): boolean => statfsSync(CGROUP_FS).type === CGROUP2_MAGIC;

/** The mounted hierarchies' dirs (v1) or the unified one (v2). */
function hierarchies(): string[] {
  if (isCgroupV2()) return [CGROUP_FS];
  return readdirSync(CGROUP_FS, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(CGROUP_FS, d.name))
    .filter((dir) => existsSync(join(dir, 'cgroup.procs')));
}

export function createCgroupRoot(name: string): void {
  for (const h of hierarchies()) {
    const dir = join(h, name);
    mkdirSync(dir, { recursive: true });
    // A new cpuset cgroup has no CPUs or memory nodes until given its parent's.
    if (
      existsSync(join(dir, 'cpuset.cpus')) &&
      readFileSync(join(dir, 'cpuset.cpus'), 'utf8').trim() === ''
    ) {
      for (const f of ['cpuset.cpus', 'cpuset.mems'])
        writeFileSync(join(dir, f), readFileSync(join(h, f), 'utf8'));
    }
  }
}

function subtree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const children = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => subtree(join(dir, d.name)));
  return [...children, dir];
}

/** Every process in the node's cgroups, in any hierarchy. */
export function cgroupPids(name: string): number[] {
  const pids = new Set<number>();
  for (const h of hierarchies())
    for (const dir of subtree(join(h, name))) {
      try {
        for (const l of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n'))
          if (l.trim()) pids.add(Number(l));
      } catch {
        // Removed while we read.
      }
    }
  return [...pids];
}

/** Removes the (empty) cgroup tree, deepest first. */
export function removeCgroupRoot(name: string): string[] {
  const left: string[] = [];
  for (const h of hierarchies())
    for (const dir of subtree(join(h, name))) {
      try {
        rmdirSync(dir);
      } catch {
        left.push(dir);
      }
    }
  return left;
}

/** True while any hierarchy still has the node's cgroup root. */
export const cgroupRootExists = (name: string): boolean =>
  hierarchies().some((h) => existsSync(join(h, name)));
