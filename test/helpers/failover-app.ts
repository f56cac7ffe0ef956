// What each failover test starts from: the journal app with failover enabled, on a dev stack
// with two real nodes in zone local-1a (so it has a node to move to). Call it inside a
// `describe`: it registers the hooks that start and stop the stack.
import assert from 'node:assert/strict';
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { type TestProject, journalProject, kompoxops } from './deploy-project';
import type { AppStatus } from '../../cli/commands/app';
import type { OperationRecord } from '../../api/operation';
import { type TestStack, startTestStack } from './dev-stack';
import { journalApp } from './journal-app';
import { kubeConfigOf } from './kube-app';

export function failoverApp(name: string, graceSeconds: number, setup?: (project: TestProject) => void) {
  let stack: TestStack;
  let kc: KubeConfig;
  const project = journalProject(name);
  setup?.(project);
  appendFileSync(
    join(project.dir, 'kompoxapp.yml'),
    `  failover: { enabled: true, verifyGraceSeconds: ${graceSeconds} }\n`,
  );
  before(async () => {
    stack = await startTestStack({ realNodes: 2, realNodeZones: ['local-1a'] });
    kc = kubeConfigOf(stack.kubeconfig);
  });
  after(async () => {
    await stack?.stop();
    rmSync(project.dir, { recursive: true, force: true });
  });
  const journal = journalApp(
    () => stack,
    () => kc,
    project,
  );
  return {
    project,
    stack: () => stack,
    kc: () => kc,
    ...journal,
    /** Deploys the app, notes its node and its payload's checksum, and powers that node off. */
    async deployAndPowerOff(): Promise<{ status: AppStatus; dead: string; digest: string }> {
      const deployed = await journal.json<OperationRecord>('app', 'deploy', '--bootstrap-disks');
      assert.equal(deployed.phase, 'Completed', JSON.stringify(deployed.failure));
      const status = await journal.readyStatus();
      const digest = (await journal.inPod(status, 'sha256sum /data/payload.bin')).split(' ')[0]!;
      const r = await kompoxops(
        stack,
        project.dir,
        'dev',
        'node',
        'fail',
        status.node!,
        '--mode',
        'poweroff',
      );
      assert.equal(r.status, 0, r.stderr);
      return { status, dead: status.node!, digest };
    },
  };
}
