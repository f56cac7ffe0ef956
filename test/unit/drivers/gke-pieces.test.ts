// The gke driver's parts that need no Compute Engine: resource names and paths, settings and the
// endpoint override, disk options and sizes, error mapping (from errors shaped as google-gax
// gives them), zone spellings, providerIDs, and how copies read from a snapshot's labels. The
// driver against the Compute Engine fake is in test/contract/gke.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DiskOptions, DriverContext } from '../../../drivers/driver';
import { DriverError } from '../../../drivers/errors';
import { labelFilter } from '../../../drivers/gke/compute-calls';
import { mapGcpError, mapOperationError } from '../../../drivers/gke/errors';
import { instanceOf, instanceOfUrl } from '../../../drivers/gke/instances';
import {
  diskPath,
  gceName,
  lastSegment,
  parseDiskPath,
  parseSnapshotPath,
  regionOfZone,
} from '../../../drivers/gke/names';
import { pdOptions, sizeGb } from '../../../drivers/gke/pd-options';
import { copiesOf, copyLabels, diskToRecord, snapshotRecords } from '../../../drivers/gke/pd-records';
import { parseComputeEndpoint, readGkeSettings } from '../../../drivers/gke/settings';
import { GkeZones } from '../../../drivers/gke/zones';
import { TAG } from '../../../drivers/tags';

const GiB = 1024 ** 3;
const ctx = (
  providerSettings: Record<string, string>,
  clusterSettings: Record<string, string> = {},
): DriverContext => ({
  workspace: 'ws',
  provider: 'p',
  cluster: 'c',
  providerSettings,
  clusterSettings,
  stateDir: '/tmp/x',
});
/** An error as google-gax's REST transport makes it: gRPC code, and the body under its symbol. */
const gaxError = (code: number, status: number, reason: string, message = `${reason} said so`): Error => {
  const err = Object.assign(new Error(message), { code });
  Object.defineProperty(err, Symbol.for('google-gax.rawHttpResponsePayload'), {
    value: JSON.stringify({
      error: { code: status, message, errors: [{ reason, message, domain: 'global' }] },
    }),
    enumerable: false,
  });
  return err;
};
const code = (err: unknown): string => (err as DriverError).code;

void describe('gke names and paths', () => {
  const id = { workspace: 'ws', provider: 'gke', app: 'shop', volume: 'db', name: 'd1' };

  void it('gives RFC 1035 names that are stable, readable and apart for other workspaces', () => {
    const name = gceName('disk', id);
    assert.match(name, /^kd-shop-db-d1-[0-9a-f]{10}$/);
    assert.equal(gceName('disk', id), name);
    assert.notEqual(gceName('disk', { ...id, workspace: 'other' }), name);
    assert.match(gceName('snapshot', id), /^ks-shop-db-d1-/);
    const long = gceName('disk', {
      ...id,
      app: 'a'.repeat(63),
      volume: 'v'.repeat(63),
      name: 'n'.repeat(63),
    });
    assert.ok(long.length <= 63, long);
    assert.match(long, /^[a-z]([-a-z0-9]*[a-z0-9])?$/);
  });

  void it('reads disk and snapshot paths and URLs, and zones into regions', () => {
    const url = 'https://www.googleapis.com/compute/v1/projects/p-1/regions/us-east1/disks/kd-x';
    assert.deepEqual(parseDiskPath(url), {
      project: 'p-1',
      scope: { kind: 'region', region: 'us-east1' },
      name: 'kd-x',
    });
    const zonal = diskPath('p-1', { kind: 'zone', zone: 'us-central1-a' }, 'kd-y');
    assert.equal(zonal, 'projects/p-1/zones/us-central1-a/disks/kd-y');
    assert.deepEqual(parseDiskPath(zonal)?.scope, { kind: 'zone', zone: 'us-central1-a' });
    assert.equal(parseDiskPath('projects/p/global/snapshots/s'), undefined);
    assert.deepEqual(parseSnapshotPath('projects/p/global/snapshots/ks-a'), { project: 'p', name: 'ks-a' });
    assert.equal(regionOfZone('europe-west4-b'), 'europe-west4');
    assert.equal(lastSegment('https://x/zones/us-central1-f'), 'us-central1-f');
  });

  void it('writes label filters with the values as labels hold them', () => {
    assert.equal(labelFilter({ a: 'x', b: 'y' }), '(labels.a = "x") AND (labels.b = "y")');
    assert.match(labelFilter({ team: 'Storage Ops' }), /^\(labels\.team = "storage-ops-[0-9a-f]{8}"\)$/);
  });
});

void describe('gke settings', () => {
  void it('reads the region, more regions, the project, the disk type and the endpoint in gcloud spelling', () => {
    const s = readGkeSettings(
      ctx(
        {
          GCP_PROJECT: 'my-project-1',
          GCP_REGION: 'us-central1',
          GCP_REGIONS: 'us-east1, us-central1',
          CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE: 'http://127.0.0.1:8089/compute/v1/',
        },
        { GCP_REGION: 'europe-west4', GCP_DISK_TYPE: 'pd-ssd' },
      ),
    );
    assert.equal(s.region, 'europe-west4', 'a Cluster setting wins');
    assert.deepEqual(s.extraRegions, ['us-east1', 'us-central1']);
    assert.equal(s.project, 'my-project-1');
    assert.equal(s.diskType, 'pd-ssd');
    assert.deepEqual(s.endpoint, { protocol: 'http', host: '127.0.0.1', port: 8089 });
    assert.deepEqual(parseComputeEndpoint('https://compute.example.eu'), {
      protocol: 'https',
      host: 'compute.example.eu',
      port: 443,
    });
  });

  void it('refuses unknown, misspelt and credential settings, and bad values', () => {
    const refused: [Record<string, string>, RegExp][] = [
      [{}, /set GCP_REGION/],
      [{ GCP_REGION: 'us-central1-a' }, /not a GCP region/],
      [{ GCP_REGION: 'us-central1', GCP_ZONE: 'a' }, /unknown gke setting GCP_ZONE/],
      [
        { GCP_REGION: 'us-central1', GOOGLE_APPLICATION_CREDENTIALS: '/k.json' },
        /Application Default Credentials/,
      ],
      [{ GCP_REGION: 'us-central1', GCP_DISK_TYPE: 'gp3' }, /GCP_DISK_TYPE "gp3"/],
      [{ GCP_REGION: 'us-central1', GCP_PROJECT: 'X' }, /not a GCP project id/],
      [{ GCP_REGION: 'us-central1', CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE: 'ftp://x/' }, /https:\/\//],
      [
        { GCP_REGION: 'us-central1', CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE: 'https://x/other/' },
        /no other path/,
      ],
    ];
    for (const [settings, message] of refused) {
      assert.throws(
        () => readGkeSettings(ctx(settings)),
        (err: unknown) => code(err) === 'InvalidArgument' && message.test((err as Error).message),
        JSON.stringify(settings),
      );
    }
  });
});

void describe('gke disk options', () => {
  void it('defaults, regional disks and replica zones', () => {
    assert.deepEqual(pdOptions(undefined, 'pd-balanced'), {
      type: 'pd-balanced',
      regional: false,
      fsType: 'ext4',
    });
    assert.equal(pdOptions({ zoneRedundant: true }, 'pd-balanced').regional, true);
    assert.deepEqual(pdOptions({ replicaZones: 'a, b' }, 'pd-ssd'), {
      type: 'pd-ssd',
      regional: true,
      fsType: 'ext4',
      replicaZones: ['a', 'b'],
    });
    const bad: DiskOptions[] = [
      { type: 'gp3' },
      { fsType: 'ntfs' },
      { iops: 3000 },
      { zoneRedundant: 'yes' },
      { replicaZones: 'a' },
      { zoneRedundant: false, replicaZones: 'a,b' },
    ];
    for (const options of bad) {
      assert.throws(
        () => pdOptions(options, 'pd-balanced'),
        (err: unknown) => code(err) === 'InvalidArgument',
        JSON.stringify(options),
      );
    }
  });

  void it('rounds sizes up to whole GB and the type minimum, and refuses what no disk holds', () => {
    assert.equal(sizeGb(1, { type: 'pd-balanced', regional: false }), 10);
    assert.equal(sizeGb(11 * GiB + 1, { type: 'pd-ssd', regional: false }), 12);
    assert.equal(sizeGb(GiB, { type: 'pd-standard', regional: true }), 200);
    for (const bad of [0, -1, NaN, 70_000 * GiB])
      assert.throws(
        () => sizeGb(bad, { type: 'pd-balanced', regional: false }),
        (err: unknown) => code(err) === 'InvalidArgument',
      );
  });
});

void describe('gke error mapping', () => {
  void it('maps Compute Engine replies by reason, then by status', () => {
    const cases: [Error, string, boolean][] = [
      [gaxError(8, 429, 'rateLimitExceeded'), 'Throttled', true],
      [gaxError(7, 403, 'rateLimitExceeded'), 'Throttled', true],
      [gaxError(7, 403, 'quotaExceeded'), 'Conflict', false],
      [gaxError(7, 403, 'forbidden'), 'PermissionDenied', false],
      [gaxError(16, 401, 'authError'), 'Unauthenticated', false],
      [gaxError(5, 404, 'notFound'), 'NotFound', false],
      [gaxError(10, 409, 'alreadyExists'), 'AlreadyExists', false],
      [gaxError(3, 400, 'resourceInUseByAnotherResource'), 'InUse', false],
      [gaxError(3, 400, 'invalid'), 'InvalidArgument', false],
      [gaxError(9, 412, 'conditionNotMet'), 'Transient', true],
      [gaxError(14, 503, 'backendError'), 'Transient', true],
      [Object.assign(new Error('no body'), { code: 14 }), 'Transient', true],
      [Object.assign(new Error('no body'), { code: 7 }), 'PermissionDenied', false],
      [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'Transient', true],
    ];
    for (const [err, want, retryable] of cases) {
      const mapped = mapGcpError(err, 'disks.insert in us-central1-a', 'compute.disks.create');
      assert.equal(mapped.code, want, err.message);
      assert.equal(mapped.retryable, retryable, err.message);
      assert.match(mapped.message, /^disks\.insert in us-central1-a failed: /);
    }
    assert.match(
      mapGcpError(gaxError(7, 403, 'forbidden'), 'x', 'compute.disks.create').message,
      /grant compute\.disks\.create/,
    );
  });

  void it('says where credentials are looked for when there are none', () => {
    const mapped = mapGcpError(
      new Error('Could not load the default credentials. Browse to ...'),
      'regions.get',
      'compute.regions.get',
    );
    assert.equal(mapped.code, 'Unauthenticated');
    assert.match(mapped.message, /GOOGLE_APPLICATION_CREDENTIALS/);
  });

  void it('maps the errors of failed operations', () => {
    assert.equal(
      mapOperationError({ errors: [{ code: 'QUOTA_EXCEEDED', message: 'q' }] }, 'x').code,
      'Conflict',
    );
    assert.equal(
      mapOperationError({ errors: [{ code: 'RESOURCE_NOT_FOUND', message: 'n' }] }, 'x').code,
      'NotFound',
    );
    assert.equal(
      mapOperationError({ errors: [{ code: 'ZONE_RESOURCE_POOL_EXHAUSTED' }] }, 'x').retryable,
      true,
    );
  });
});

void describe('gke zones and instances', () => {
  const zones = new GkeZones('us-central1', ['us-central1', 'us-east1'], async (r) =>
    r === 'us-central1' ? ['us-central1-c', 'us-central1-a', 'us-central1-b'] : ['us-east1-b', 'us-east1-c'],
  );

  void it('resolves the full name, the letter and the index, and refuses other regions and unknown zones', async () => {
    const a = {
      kom: 'us-central1-a',
      provider: 'us-central1-a',
      topology: 'us-central1-a',
      region: 'us-central1',
    };
    assert.deepEqual(await zones.resolve('us-central1-a'), a);
    assert.deepEqual(await zones.resolve('a'), a);
    assert.deepEqual(await zones.resolve('1'), a);
    assert.equal((await zones.resolve('us-east1-c')).region, 'us-east1');
    assert.equal((await zones.nextZone(await zones.resolve('c'))).kom, 'us-central1-a', 'wraps around');
    await assert.rejects(
      zones.resolve('europe-west4-a'),
      (err: unknown) => code(err) === 'InvalidArgument' && /GCP_REGIONS/.test((err as Error).message),
    );
    await assert.rejects(zones.resolve('us-central1-z'), (err: unknown) => code(err) === 'InvalidArgument');
    await assert.rejects(zones.zonesOf('asia-east1'), (err: unknown) => code(err) === 'InvalidArgument');
  });

  void it('reads GCE providerIDs and instance URLs', () => {
    assert.deepEqual(instanceOf({ nodeName: 'n', providerId: 'gce://p-1/us-central1-a/gke-pool-1' }), {
      project: 'p-1',
      zone: 'us-central1-a',
      name: 'gke-pool-1',
    });
    assert.throws(
      () => instanceOf({ nodeName: 'n', providerId: 'aws:///us-east-1a/i-1' }),
      (err: unknown) => code(err) === 'InvalidArgument',
    );
    assert.deepEqual(
      instanceOfUrl('https://www.googleapis.com/compute/v1/projects/p/zones/z-a/instances/vm'),
      { project: 'p', zone: 'z-a', name: 'vm' },
    );
  });
});

void describe('gke records', () => {
  void it('reads a regional disk as zone-redundant across its replica zones', () => {
    const disk = diskToRecord(
      {
        name: 'kd-x',
        region: 'https://www.googleapis.com/compute/v1/projects/p/regions/us-central1',
        replicaZones: [
          'https://x/projects/p/zones/us-central1-a',
          'https://x/projects/p/zones/us-central1-b',
        ],
        sizeGb: '10',
        status: 'READY',
        type: 'https://x/regions/us-central1/diskTypes/pd-balanced',
        labels: { [TAG.diskName]: 'd1', [TAG.assigned]: 'true' },
        creationTimestamp: '2026-01-02T03:04:05.000-08:00',
      },
      'p',
    );
    assert.equal(disk.zone, '');
    assert.deepEqual(disk.zones, ['us-central1-a', 'us-central1-b']);
    assert.equal(disk.handle, 'projects/p/regions/us-central1/disks/kd-x');
    assert.equal(disk.assigned, true);
    assert.equal(disk.createdAt, '2026-01-02T11:04:05.000Z');
  });

  void it('reads copies from the source snapshot labels, and hides a deleted source name', () => {
    const l = copyLabels('us-east1');
    const gce = {
      name: 'ks-x',
      status: 'READY',
      diskSizeGb: '10',
      sourceDisk: 'https://x/projects/p/zones/us-central1-a/disks/kd-x',
      creationTimestamp: '2026-01-02T00:00:00Z',
      labels: {
        [TAG.snapshotName]: 's1',
        [TAG.operationKey]: 'k1',
        [l.name]: 's1-copy',
        [l.key]: 'k2',
        [l.at]: '1767312000',
      },
    };
    const [own, copy] = snapshotRecords(gce, 'p');
    assert.equal(own?.name, 's1');
    assert.equal(own?.region, 'us-central1');
    assert.equal(own?.tags[l.name], undefined, 'copy labels are not the source tags');
    assert.equal(copy?.name, 's1-copy');
    assert.equal(copy?.region, 'us-east1');
    assert.equal(copy?.handle, own?.handle);
    assert.deepEqual(copy?.copiedFrom, {
      name: 's1',
      region: 'us-central1',
      handle: 'projects/p/global/snapshots/ks-x',
    });
    assert.equal(copy?.tags[TAG.operationKey], 'k2');
    assert.equal(copy?.createdAt, '2026-01-02T00:00:00.000Z');
    const hidden = { ...gce, labels: { ...gce.labels, 'kompox-deleted': 'true' } };
    assert.deepEqual(
      snapshotRecords(hidden, 'p').map((s) => s.name),
      ['s1-copy'],
    );
    assert.equal(copiesOf({ ...gce, labels: { [TAG.snapshotName]: 's1' } }, 'p').length, 0);
  });
});

void it('gke errors stay DriverErrors', () => {
  const original = new DriverError('InUse', 'x');
  assert.equal(mapGcpError(original, 'a', 'b'), original);
});
