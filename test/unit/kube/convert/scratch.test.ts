// Anonymous volumes, tmpfs and shm_size become emptyDirs: empty at start, gone with the pod.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadProject, resolveApp } from '../../../../kom';
import { APP_ID, appProject } from '../../kom/project-fixture';
import { convertProject } from './fixture';
import { container, deployment } from './helpers';

const COMPOSE = `services:
  web:
    image: node:22
    volumes:
      - data:/app/data
      - /app/node_modules
      - { type: tmpfs, target: /cache, tmpfs: { size: 32m } }
    tmpfs: ['/run', '/tmp:size=64m']
    shm_size: 256m
`;

void describe('convertApp: scratch directories', () => {
  const result = convertProject({ compose: COMPOSE });

  void it('mounts each as its own emptyDir, in memory for tmpfs and /dev/shm', () => {
    const mounts = container(result, 'web').volumeMounts ?? [];
    const volumes = deployment(result).spec?.template.spec?.volumes ?? [];
    const emptyDirAt = (mountPath: string) => {
      const mount = mounts.find((candidate) => candidate.mountPath === mountPath);
      assert.ok(mount, `a mount at ${mountPath}`);
      return volumes.find((volume) => volume.name === mount.name)?.emptyDir;
    };
    assert.deepEqual(emptyDirAt('/app/node_modules'), {});
    assert.deepEqual(emptyDirAt('/cache'), { medium: 'Memory', sizeLimit: '32Mi' });
    assert.deepEqual(emptyDirAt('/run'), { medium: 'Memory' });
    assert.deepEqual(emptyDirAt('/tmp'), { medium: 'Memory', sizeLimit: '64Mi' });
    assert.deepEqual(emptyDirAt('/dev/shm'), { medium: 'Memory', sizeLimit: '256Mi' });
    assert.equal(new Set(mounts.map((mount) => mount.name)).size, mounts.length, 'one volume per mount');
  });

  void it('warns that an anonymous volume starts empty, unlike under Docker', () => {
    const context = resolveApp(loadProject({ cwd: appProject({ compose: COMPOSE }), env: {} }), APP_ID);
    const warning = context.warnings.find((issue) => issue.field === 'volumes[1]');
    assert.match(
      warning?.message ?? '',
      /"\/app\/node_modules" is an anonymous volume.*files the image has there are hidden/,
    );
  });
});
