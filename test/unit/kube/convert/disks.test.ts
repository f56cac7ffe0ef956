// Pods follow their disks: which disk is assigned decides the PV/PVC pair and the zone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConvertError, convertApp } from '../../../../kube/convert';
import { csiDisk, localDisk, wikiInput } from './fixture';
import { claimNames, deployment, pvcOf, pvOf } from './helpers';

function affinity(result: ReturnType<typeof convertApp>): unknown {
  return deployment(result).spec?.template.spec?.affinity?.nodeAffinity
    ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchExpressions;
}

void describe('convertApp: assigned disks', () => {
  void it('switching a disk makes a new PV/PVC pair and repoints the Deployment; other volumes keep theirs', () => {
    const before = convertApp(wikiInput());
    const input = wikiInput();
    const after = convertApp({ ...input, disks: { ...input.disks, db: localDisk('db', 'd2', 'local-1a') } });
    assert.notEqual(pvOf(after, 'db').metadata?.name, pvOf(before, 'db').metadata?.name);
    assert.notEqual(pvcOf(after, 'db').metadata?.name, pvcOf(before, 'db').metadata?.name);
    assert.equal(claimNames(after).db, pvcOf(after, 'db').metadata?.name);
    assert.equal(pvOf(after, 'db').spec?.hostPath?.path, '/var/lib/kompox/disks/wiki/db/d2');
    assert.equal(pvOf(after, 'db').metadata?.annotations?.['kompox.dev/disk-name'], 'd2');
    assert.equal(claimNames(after).default, claimNames(before).default);
    assert.notEqual(after.renderHash, before.renderHash);
  });

  void it('follows the disks to another zone, whatever spec.deployment.zone says', () => {
    const result = convertApp(
      wikiInput({
        disks: { default: localDisk('default', 'm1', 'local-1b'), db: localDisk('db', 'm1', 'local-1b') },
      }),
    );
    assert.deepEqual(affinity(result), [
      { key: 'kompox.dev/node-pool', operator: 'In', values: ['user'] },
      { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['local-1b'] },
    ]);
  });

  void it('refuses disks in two zones, naming the volumes and zones', () => {
    const input = wikiInput({
      disks: { default: localDisk('default', 'd1', 'local-1a'), db: localDisk('db', 'd1', 'local-1b') },
    });
    assert.throws(
      () => convertApp(input),
      (error: unknown) =>
        error instanceof ConvertError &&
        /different zones/.test(error.message) &&
        /volume "default" \(disk "d1"\) in zone "local-1a"/.test(error.message) &&
        /volume "db" \(disk "d1"\) in zone "local-1b"/.test(error.message),
    );
  });

  void it('refuses disks whose topologies do not overlap even when zone names are not given', () => {
    const a = localDisk('default', 'd1', 'local-1a');
    const b = localDisk('db', 'd1', 'local-1b');
    assert.throws(
      () => convertApp(wikiInput({ disks: { default: { ...a, zone: '' }, db: { ...b, zone: '' } } })),
      /cannot be attached in one zone: .*volume "default" allows topology.kubernetes.io\/zone in \[local-1a\]/,
    );
  });

  void it('intersects a regional disk with a zonal one, and lets zone-redundant disks go anywhere', () => {
    const regional = localDisk('default', 'r1', '');
    regional.pvSource.topology = { key: 'topology.kubernetes.io/zone', values: ['local-1b', 'local-1a'] };
    const zonal = convertApp(
      wikiInput({ disks: { default: regional, db: localDisk('db', 'd1', 'local-1a') } }),
    );
    assert.deepEqual((affinity(zonal) as unknown[])[1], {
      key: 'topology.kubernetes.io/zone',
      operator: 'In',
      values: ['local-1a'],
    });
    const zrs = (volume: string): ReturnType<typeof localDisk> => {
      const disk = localDisk(volume, 'z1', '');
      delete disk.pvSource.topology;
      return disk;
    };
    const anywhere = convertApp(wikiInput({ disks: { default: zrs('default'), db: zrs('db') } }));
    assert.deepEqual(affinity(anywhere), [{ key: 'kompox.dev/node-pool', operator: 'In', values: ['user'] }]);
    assert.equal(pvOf(anywhere, 'db').spec?.nodeAffinity, undefined);
    // The App's zone becomes a preference the pod may leave in an outage, never a requirement.
    const preferred = (r: ReturnType<typeof convertApp>) =>
      deployment(r).spec?.template.spec?.affinity?.nodeAffinity
        ?.preferredDuringSchedulingIgnoredDuringExecution;
    assert.deepEqual(preferred(anywhere), [
      {
        weight: 100,
        preference: {
          matchExpressions: [{ key: 'kompox.dev/node-zone', operator: 'In', values: ['local-1a'] }],
        },
      },
    ]);
    assert.equal(preferred(zonal), undefined);
    // The worker knows the provider's spelling of the zone: the well-known label then.
    const byTopology = convertApp({
      ...wikiInput({ disks: { default: zrs('default'), db: zrs('db') } }),
      zoneTopology: { 'local-1a': 'eastus2-1' },
    });
    assert.deepEqual(preferred(byTopology)?.[0]?.preference.matchExpressions, [
      { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['eastus2-1'] },
    ]);
  });

  void it('builds CSI PVs with the driver, handle, attributes, class and topology key the driver gives', () => {
    const result = convertApp(
      wikiInput({ disks: { default: csiDisk('default', 'd1', '1'), db: csiDisk('db', 'd1', '1') } }),
    );
    const pv = pvOf(result, 'db');
    assert.deepEqual(pv.spec?.csi, {
      driver: 'disk.csi.azure.com',
      volumeHandle: csiDisk('db', 'd1', '1').handle,
      fsType: 'ext4',
      volumeAttributes: { cachingMode: 'ReadOnly', skuName: 'Premium_LRS' },
    });
    assert.equal(pv.spec?.hostPath, undefined);
    assert.equal(pv.spec?.storageClassName, 'managed-csi');
    assert.equal(pvcOf(result, 'db').spec?.storageClassName, 'managed-csi');
    assert.deepEqual(pv.spec?.capacity, { storage: '2Gi' });
    assert.deepEqual((affinity(result) as unknown[])[1], {
      key: 'topology.disk.csi.azure.com/zone',
      operator: 'In',
      values: ['eastus2-1'],
    });
  });

  void it('gives the PV one node selector term per topology key (ORed), and places the pod by the first', () => {
    const ebs = (volume: string): ReturnType<typeof csiDisk> => {
      const disk = csiDisk(volume, 'd1', 'us-east-1a');
      disk.pvSource.topology = {
        key: 'topology.kubernetes.io/zone',
        values: ['us-east-1a'],
        alsoKeys: ['topology.ebs.csi.aws.com/zone'],
      };
      return disk;
    };
    const result = convertApp(wikiInput({ disks: { default: ebs('default'), db: ebs('db') } }));
    assert.deepEqual(pvOf(result, 'db').spec?.nodeAffinity?.required?.nodeSelectorTerms, [
      { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['us-east-1a'] }] },
      {
        matchExpressions: [{ key: 'topology.ebs.csi.aws.com/zone', operator: 'In', values: ['us-east-1a'] }],
      },
    ]);
    assert.deepEqual(affinity(result), [
      { key: 'kompox.dev/node-pool', operator: 'In', values: ['user'] },
      { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['us-east-1a'] },
    ]);
  });

  void it('uses the given node pools', () => {
    const result = convertApp(wikiInput({ nodePools: ['db-pool', 'user'] }));
    assert.deepEqual((affinity(result) as unknown[])[0], {
      key: 'kompox.dev/node-pool',
      operator: 'In',
      values: ['db-pool', 'user'],
    });
  });

  void it('refuses a volume without a disk, a disk for an unknown volume, and a disk without a handle', () => {
    const input = wikiInput();
    assert.throws(
      () => convertApp({ ...input, disks: { default: localDisk('default', 'd1', 'local-1a') } }),
      /no disk is assigned to volume "db"/,
    );
    assert.throws(
      () => convertApp({ ...input, disks: { ...input.disks, cache: localDisk('cache', 'd1', 'local-1a') } }),
      /has no volume "cache"/,
    );
    const noHandle = { ...localDisk('db', 'd1', 'local-1a'), handle: '' };
    assert.throws(() => convertApp({ ...input, disks: { ...input.disks, db: noHandle } }), /has no handle/);
  });
});
