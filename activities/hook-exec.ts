// A snapshot hook's command in the app's container, limited by the hook's timeoutSeconds. A command
// that runs past the limit is stopped and fails the hook for good: a retry would only wait as long
// again while the app sits in its pre-hook state.
import type { KubeConfig } from '@kubernetes/client-node';
import { type ExecResult, ExecTimeoutError, execInContainer } from '../kube/exec';
import { refuse } from './failures';

export async function execHookCommand(
  kc: KubeConfig,
  target: { namespace: string; pod: string; container: string },
  command: string[],
  timeoutSeconds: number,
): Promise<ExecResult> {
  try {
    return await execInContainer(kc, target, command, timeoutSeconds * 1000);
  } catch (err) {
    if (err instanceof ExecTimeoutError) {
      refuse(
        `hook ${err.message}; raise spec.snapshots.hook.timeoutSeconds (now ${timeoutSeconds}) or make the command finish sooner`,
        'HookTimeout',
      );
    }
    throw err;
  }
}
