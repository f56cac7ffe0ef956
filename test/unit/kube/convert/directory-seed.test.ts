// A bound directory's files reach the volume: a ConfigMap carries them, an init container
// copies them once and never over an existing file.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { convertProject } from './fixture';
import { deployment, ofKind } from './helpers';

void describe('convertApp: directory seeds', () => {
  const result = convertProject({
    compose: `services:
  web:
    image: nginx
    volumes: ['./html:/usr/share/nginx/html']
  preview:
    image: nginx
    volumes: ['./html:/srv/html:ro']
`,
    extra: { 'html/index.html': '<h1>hi</h1>', 'html/img/logo.bin': 'binary' },
  });
  const pod = deployment(result).spec?.template.spec;
  const seeds = ofKind<V1ConfigMap>(result, 'ConfigMap').filter((c) => c.metadata?.name?.includes('--seed-'));

  void it('puts the files in one ConfigMap per bound directory, text as data and the rest as binaryData', () => {
    assert.equal(seeds.length, 1, 'two services binding one directory share one seed');
    assert.deepEqual(seeds[0]?.data, { f1: 'text of index.html\n' });
    assert.deepEqual(Object.keys(seeds[0]?.binaryData ?? {}), ['f0']);
    const volume = pod?.volumes?.find((v) => v.configMap?.name === seeds[0]?.metadata?.name);
    assert.deepEqual(volume?.configMap?.items, [
      { key: 'f0', path: 'img/logo.bin' },
      { key: 'f1', path: 'index.html' },
    ]);
  });

  void it('copies them with an init container after the sub-directories exist, before any service', () => {
    const names = pod?.initContainers?.map((c) => c.name) ?? [];
    assert.equal(names[0], 'init-volume-subpaths');
    assert.match(names[1] ?? '', /^seed-[0-9a-z]{6}$/);
    const seed = pod?.initContainers?.[1];
    const id = names[1]?.slice('seed-'.length);
    assert.deepEqual(seed?.command?.slice(3), [
      'seed',
      '/work/data/html',
      `/work/data/.kompox-seeded/${id}`,
      'img/logo.bin',
      'index.html',
    ]);
    const script = seed?.command?.[2] ?? '';
    assert.match(
      script,
      /if \[ ! -e "\$\$target\/\$\$f" \]/,
      'never overwrites, with $ escaped for Kubernetes',
    );
    assert.match(script, /if \[ -e "\$\$marker" \]; then .*exit 0/, 'copies only once');
  });
});
