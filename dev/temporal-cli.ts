// Finds (or builds once, into the version-keyed cache) the Temporal CLI that runs the dev server.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../workers/repo-root';

export function temporalCliPath(): string {
  const script = join(repoRoot(), 'scripts', 'temporal-cli.sh');
  const result = spawnSync('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `could not provide the Temporal CLI (${script} exited ${result.status}); see the message above`,
    );
  }
  return result.stdout.trim().split('\n').pop() ?? '';
}
