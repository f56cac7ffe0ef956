// Checks, before anything starts, that this machine can run real nodes, so a `dev up --real-nodes`
// that cannot work fails at once, says what is missing, and leaves nothing behind.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Throws one error listing every missing piece. `probeNetns` names a throwaway namespace to try. */
export function checkRealNodeHost(probeNetns: string): void {
  const missing: string[] = [];
  if (process.platform !== 'linux')
    missing.push('Linux (real nodes run a kubelet and containerd on this machine)');
  else {
    if (process.getuid?.() !== 0)
      missing.push(
        'root: real nodes create network namespaces, cgroups and mounts (run as root, or drop --real-nodes)',
      );
    for (const cmd of ['ip', 'nsenter', 'umount', 'gcc', 'go'])
      if (!has(cmd)) missing.push(`the ${cmd} command`);
    if (!existsSync('/sys/fs/cgroup')) missing.push('cgroups mounted at /sys/fs/cgroup');
  }
  if (missing.length === 0) {
    try {
      execFileSync('ip', ['netns', 'add', probeNetns], { stdio: ['ignore', 'ignore', 'pipe'] });
      execFileSync('ip', ['netns', 'delete', probeNetns], { stdio: 'ignore' });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
      missing.push(`network namespaces (ip netns add failed: ${stderr || String(err)})`);
    }
  }
  if (missing.length > 0)
    throw new Error(`this machine cannot run real nodes; missing: ${missing.join('; ')}`);
}
