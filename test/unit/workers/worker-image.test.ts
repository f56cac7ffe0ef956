// The worker image has two builds that must agree: the Dockerfile users build (never run here:
// no Docker) and the dev cluster's image of the same layout (images/kompoxops/dev-recipe.sh).
// Both must also fit the Deployment `worker manifests` renders: its pod runs as the image's user
// and passes only args, so the image's entrypoint must be the CLI.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { V1Deployment } from '@kubernetes/client-node';
import { renderWorkerManifests } from '../../../workers/in-cluster/manifests';
import { repoRoot } from '../../../workers/repo-root';

interface ImageConfig {
  from: string;
  user: string;
  workdir: string;
  entrypoint: string[];
}

/** The final stage of the Dockerfile: its base, USER, WORKDIR and exec-form ENTRYPOINT. */
function dockerfileConfig(): ImageConfig {
  const text = readFileSync(join(repoRoot(), 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const lines = text.split('\n').map((l) => l.trim());
  const stage = lines.slice(lines.findLastIndex((l) => /^FROM\s/i.test(l)));
  const last = (instruction: string): string => {
    const found = stage.filter((l) => l.toUpperCase().startsWith(`${instruction} `));
    assert.ok(found.length > 0, `the Dockerfile's final stage has no ${instruction}`);
    return found
      .at(-1)!
      .slice(instruction.length + 1)
      .trim();
  };
  return {
    from: last('FROM'),
    user: last('USER'),
    workdir: last('WORKDIR'),
    entrypoint: JSON.parse(last('ENTRYPOINT')) as string[],
  };
}

/** The dev recipe's image config, as scripts/kompoxops-image.sh sources it. */
function devRecipeConfig(): Omit<ImageConfig, 'from'> {
  const out = execFileSync(
    'bash',
    [
      '-c',
      '. "$1"; printf "%s\\n" "$user" "$workdir" "${entrypoint[@]}"',
      'recipe',
      join(repoRoot(), 'images', 'kompoxops', 'dev-recipe.sh'),
    ],
    { encoding: 'utf8', env: { ...process.env, KOMPOX_ROOT: repoRoot() } },
  );
  const [user, workdir, ...entrypoint] = out.trimEnd().split('\n');
  return { user: user!, workdir: workdir!, entrypoint };
}

const pod = (): NonNullable<V1Deployment['spec']>['template'] => {
  const objects = renderWorkerManifests({
    namespace: 'kompox',
    image: 'registry.example/kompox/kompoxops:1.0.0',
    replicas: 2,
    temporalAddress: 'temporal.example:7233',
    temporalNamespace: 'kompox',
    codecKeySecret: 'codec',
    webhookTokenSecret: 'hook',
    cluster: '*',
  });
  return (objects.find((o) => o.kind === 'Deployment') as V1Deployment).spec!.template;
};

void describe('the worker image', () => {
  void it('is built on Node 24, as the repository runs', () => {
    assert.match(dockerfileConfig().from, /^node:24-bookworm-slim\b/);
    const engines = (
      JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as {
        devDependencies: Record<string, string>;
      }
    ).devDependencies.node;
    assert.match(engines!, /^\^24\./);
  });

  void it('has the same user, working directory and entrypoint in the Dockerfile and the dev build', () => {
    const { from: _, ...docker } = dockerfileConfig();
    assert.deepEqual(devRecipeConfig(), docker);
  });

  void it('runs the CLI from the working directory, as the user the Deployment runs as', () => {
    const image = dockerfileConfig();
    assert.equal(image.entrypoint[0], 'node');
    assert.equal(image.entrypoint.at(-1), `${image.workdir}/dist/cli/main.js`);
    const spec = pod().spec!;
    const [uid, gid] = image.user.split(':').map(Number);
    assert.equal(spec.securityContext?.runAsUser, uid);
    assert.equal(spec.securityContext?.runAsGroup, gid);
    assert.equal(spec.securityContext?.runAsNonRoot, true);
    // The container passes only args: the image's entrypoint is what runs them.
    const container = spec.containers[0]!;
    assert.equal(container.command, undefined);
    assert.ok(container.args!.includes('worker'), container.args!.join(' '));
  });
});
