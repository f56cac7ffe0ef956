// What the kubelet and containerd mounted (pod volumes, tokens, container rootfs, pod network
// namespaces) all lies under the node's dir; unmounting that subtree, deepest first, is the cleanup.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { sep } from 'node:path';

/** mountinfo escapes space, tab, newline and backslash as octal. */
const unescape = (s: string): string =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => unescape(line.split(' ')[4] ?? ''))
    .filter((m) => m === dir || m.startsWith(`${dir}${sep}`));
}

/** Unmounts every mount under `dir` (lazily, so a busy one cannot block cleanup). Returns what stays. */
export function unmountAll(dir: string): string[] {
  for (let round = 0; round < 5; round++) {
    const mounts = mountsUnder(dir).sort((a, b) => b.length - a.length);
    if (mounts.length === 0) return [];
    for (const m of mounts) {
      try {
        execFileSync('umount', ['-l', m], { stdio: 'ignore' });
      } catch {
        // Gone already, or a parent's lazy unmount took it.
      }
    }
  }
  return mountsUnder(dir);
}
