// What the tests of the journal app (deploy-project.ts journalProject) ask of it, through the CLI
// as a user would: its assigned data disk, its status once Ready, and commands in its container.
import assert from 'node:assert/strict';
import type { KubeConfig } from '@kubernetes/client-node';
import type { AppStatus } from '../../cli/commands/app';
import type { DiskView } from '../../api/messages';
import { execInContainer } from '../../kube/exec';
import { kompoxopsJson, type TestProject } from './deploy-project';
import type { TestStack } from './dev-stack';
import { eventually } from './kube-app';

export function journalApp(stack: () => TestStack, kc: () => KubeConfig, project: TestProject) {
  const json = <T>(...args: string[]) => kompoxopsJson<T>(stack(), project.dir, ...args);
  return {
    json,
    async dataDisk(): Promise<DiskView> {
      const d = (await json<DiskView[]>('disk', 'list')).find((x) => x.volumeName === 'data' && x.assigned);
      assert.ok(d, 'no assigned data disk');
      return d;
    },
    readyStatus: () =>
      eventually('the app Ready', async () => {
        const s = await json<AppStatus>('app', 'status');
        return s.ready && s.pod ? s : undefined;
      }),
    /** Runs `script` with sh in the app's container; it must exit 0. */
    async inPod(s: AppStatus, script: string): Promise<string> {
      const r = await execInContainer(
        kc(),
        { namespace: s.namespace, pod: s.pod!, container: 'journal' },
        ['sh', '-c', script],
        15_000,
      );
      assert.equal(r.exitCode, 0, r.stderr);
      return r.stdout;
    },
  };
}
