// `disk delete` never removes the disk a running pod still uses: after `disk assign` the old
// disk stays the pod's until the next deploy, so deleting it is refused with DiskInUse and the
// disk is kept; once the app runs on the new disk, the old one can go.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { DiskView } from '../../../api/messages';
import type { OperationRecord } from '../../../api/operation';
import { kompoxops, kompoxopsJson, wikiProject } from '../../helpers/deploy-project';
import { deploySuite } from '../../helpers/deploy-suite';

void describe('disk delete of a disk in use', () => {
  const suite = deploySuite();

  void it('is refused until a deploy moves the pod to the newly assigned disk', async () => {
    const p = suite.track(wikiProject(`inuse${process.pid}`));
    const json = <T>(...args: string[]) => kompoxopsJson<T>(suite.stack, p.dir, ...args);
    const deployed = await json<OperationRecord>('app', 'deploy', '--bootstrap-disks');
    assert.equal(deployed.phase, 'Completed', JSON.stringify(deployed.failure));
    const old = (await json<DiskView[]>('disk', 'list', '-V', 'db')).find((d) => d.assigned)!;
    await json('disk', 'create', '-V', 'db', '-N', 'db-next');
    await json('disk', 'assign', '-V', 'db', '-N', 'db-next');

    const refused = await kompoxops(
      suite.stack,
      p.dir,
      'disk',
      'delete',
      '-V',
      'db',
      '-N',
      old.name,
      '-o',
      'json',
    );
    assert.equal(refused.status, 1, refused.stderr);
    const record = JSON.parse(refused.stdout) as OperationRecord;
    assert.equal(record.failure?.reason, 'DiskInUse');
    assert.match(record.failure?.message ?? '', /still used by k4x-/);
    assert.ok(existsSync(old.handle), 'the disk in use is kept');

    const redeployed = await json<OperationRecord>('app', 'deploy');
    assert.equal(redeployed.phase, 'Completed', JSON.stringify(redeployed.failure));
    // A completed disk operation prints its record and the volume's disks as they are now.
    const after = await json<{ operation: OperationRecord; disks: DiskView[] }>(
      'disk',
      'delete',
      '-V',
      'db',
      '-N',
      old.name,
    );
    assert.equal(after.operation.phase, 'Completed', JSON.stringify(after.operation.failure));
    assert.ok(!after.disks.some((d) => d.name === old.name), JSON.stringify(after.disks));
    assert.ok(!existsSync(old.handle), 'the disk no pod uses any more is deleted');
  });
});
