// `app render` before any disk exists: placeholder disks render, and every trace of them says
// it is a placeholder.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1PersistentVolume } from '@kubernetes/client-node';
import { convertApp, placeholderDisks, renderYaml } from '../../../../kube/convert';
import { wikiContext } from './fixture';
import { ofKind, pvOf } from './helpers';

void describe('placeholderDisks', () => {
  const context = wikiContext();
  const disks = placeholderDisks(context);
  const result = convertApp({
    context,
    disks,
    values: { envFileValues: () => ({}), readFile: () => Buffer.from('x') },
  });

  void it('gives every App volume a disk with a handle that says it is a placeholder', () => {
    assert.deepEqual(Object.keys(disks).sort(), context.app.volumes.map((volume) => volume.name).sort());
    for (const [volume, disk] of Object.entries(disks)) {
      assert.equal(disk.handle, `kompox-placeholder:${volume}`);
      assert.equal(pvOf(result, volume).spec?.csi?.volumeHandle, disk.handle);
    }
  });

  void it('marks the PVs and PVCs, comments them in the YAML, and warns', () => {
    for (const pv of ofKind<V1PersistentVolume>(result, 'PersistentVolume')) {
      assert.match(pv.metadata?.annotations?.['kompox.dev/placeholder'] ?? '', /no disk exists yet/);
    }
    const yaml = renderYaml(result.objects);
    const comments = yaml.split('\n').filter((line) => line.startsWith('# PLACEHOLDER: no disk exists yet'));
    assert.equal(comments.length, 2 * context.app.volumes.length, 'one comment per PV and PVC');
    assert.ok(
      result.warnings.some((warning) => warning.includes('placeholder')),
      result.warnings.join('\n'),
    );
  });
});
