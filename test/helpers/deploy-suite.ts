// The before/after pair every deploy test file shares: one dev stack with the control plane,
// started once for the file and stopped after it, and the file's projects removed.
import type { KubeConfig } from '@kubernetes/client-node';
import { rmSync } from 'node:fs';
import { after, before } from 'node:test';
import type { TestProject } from './deploy-project';
import { type TestStack, type TestStackOptions, startTestStack } from './dev-stack';
import { kubeConfigOf } from './kube-app';

export interface DeploySuite {
  /** Valid inside tests (after `before` ran). */
  readonly stack: TestStack;
  readonly kc: KubeConfig;
  /** Removes the project's directory when the file is done. */
  track<P extends TestProject>(project: P): P;
}

/**
 * Call inside `describe`: registers the hooks and returns the suite's stack and cluster; `opts`
 * add to the stack (more clusters, say).
 */
export function deploySuite(opts: TestStackOptions = {}): DeploySuite {
  let stack: TestStack | undefined;
  let kc: KubeConfig | undefined;
  const projects: TestProject[] = [];
  before(async () => {
    stack = await startTestStack({ ...opts, cluster: true });
    kc = kubeConfigOf(stack.kubeconfig);
  });
  after(async () => {
    await stack?.stop();
    for (const p of projects) rmSync(p.dir, { recursive: true, force: true });
  });
  return {
    get stack() {
      if (!stack) throw new Error('the dev stack did not start (see the before hook)');
      return stack;
    },
    get kc() {
      if (!kc) throw new Error('the dev stack did not start (see the before hook)');
      return kc;
    },
    track(project) {
      projects.push(project);
      return project;
    },
  };
}
