// The oke driver's parts that need no OCI: settings, availability-domain spellings, error
// mapping, node providerIDs, disk options and sizes, and which backups count as Kompox's own.
// The driver against the OCI Core API fake is in test/contract/oke.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DriverContext } from '../../../drivers/driver';
import { DriverError } from '../../../drivers/errors';
import { mapOciError } from '../../../drivers/oke/errors';
import { instanceOf } from '../../../drivers/oke/instances';
import { ociRetryable } from '../../../drivers/oke/oci-calls';
import { okeDiskOptions, volumeGiB } from '../../../drivers/oke/volume-options';
import { OKE_TAG, isOwnBackup } from '../../../drivers/oke/records';
import { endpointFor, readOkeSettings } from '../../../drivers/oke/settings';
import { OkeZones } from '../../../drivers/oke/zones';
import { tagValue } from '../../../drivers/tag-value';

// Real AD names: Phoenix's carry its short key, Ashburn's its name.
const ADS = 'us-phoenix-1=Uocm:PHX-AD-1,Uocm:PHX-AD-2;us-ashburn-1=Uocm:US-ASHBURN-AD-1';
const ctx = (settings: Record<string, string>, cluster: Record<string, string> = {}): DriverContext => ({
  workspace: 'ws',
  provider: 'oke',
  cluster: 'c',
  providerSettings: {
    OCI_COMPARTMENT_ID: 'ocid1.compartment.oc1..aaaa',
    OCI_AVAILABILITY_DOMAINS: ADS,
    ...settings,
  },
  clusterSettings: cluster,
  stateDir: '/nonexistent',
});
const refused = (key: string) => (err: unknown) =>
  err instanceof DriverError && err.code === 'InvalidArgument' && err.details.setting === key;

void describe('oke settings', () => {
  void it('reads the compartment, regions, home, profile and endpoint; the Cluster wins', () => {
    const s = readOkeSettings(
      ctx(
        { OCI_CLI_PROFILE: 'P', OCI_CLI_ENDPOINT: 'http://127.0.0.1:9/{region}/20160918/' },
        { OCI_REGION: 'us-ashburn-1' },
      ),
    );
    assert.equal(s.home, 'us-ashburn-1');
    assert.deepEqual([...s.availabilityDomains.keys()], ['us-phoenix-1', 'us-ashburn-1']);
    assert.equal(s.profile, 'P');
    assert.equal(endpointFor(s, 'us-phoenix-1'), 'http://127.0.0.1:9/us-phoenix-1');
    assert.equal(s.vpusPerGB, 10);
    assert.equal(readOkeSettings(ctx({})).home, 'us-phoenix-1', 'the first region by default');
    assert.equal(endpointFor(readOkeSettings(ctx({})), 'us-phoenix-1'), undefined);
  });

  void it('refuses what would silently go wrong', () => {
    assert.throws(() => readOkeSettings(ctx({ OCI_COMPARTMENT_ID: '' })), refused('OCI_COMPARTMENT_ID'));
    assert.throws(
      () => readOkeSettings(ctx({ OCI_COMPARTMENT_ID: 'my-compartment' })),
      refused('OCI_COMPARTMENT_ID'),
    );
    assert.throws(
      () => readOkeSettings(ctx({ OCI_AVAILABILITY_DOMAINS: 'us-phoenix-1' })),
      refused('OCI_AVAILABILITY_DOMAINS'),
    );
    assert.throws(
      () => readOkeSettings(ctx({ OCI_AVAILABILITY_DOMAINS: 'us-phoenix-1=AD1' })),
      refused('OCI_AVAILABILITY_DOMAINS'),
    );
    assert.throws(() => readOkeSettings(ctx({ OCI_REGION: 'eu-frankfurt-1' })), refused('OCI_REGION'));
    assert.throws(
      () => readOkeSettings(ctx({ OCI_CLI_ENDPOINT: 'http://one.example' })),
      refused('OCI_CLI_ENDPOINT'),
    );
    assert.throws(() => readOkeSettings(ctx({ OCI_CLI_KEY_FILE: '/k.pem' })), refused('OCI_CLI_KEY_FILE'));
    assert.throws(() => readOkeSettings(ctx({ OCI_COMPARTMENT: 'x' })), refused('OCI_COMPARTMENT'));
    assert.throws(
      () => readOkeSettings(ctx({ OCI_BLOCK_VOLUME_VPUS_PER_GB: '15' })),
      refused('OCI_BLOCK_VOLUME_VPUS_PER_GB'),
    );
  });
});

void describe('oke zones', () => {
  const zones = new OkeZones(readOkeSettings(ctx({})));
  void it('spells an AD three ways, AD-n in the home region and the topology name elsewhere', () => {
    const home = { kom: 'AD-2', provider: 'Uocm:PHX-AD-2', topology: 'PHX-AD-2', region: 'us-phoenix-1' };
    for (const input of ['AD-2', '2', 'Uocm:PHX-AD-2', 'PHX-AD-2'])
      assert.deepEqual(zones.resolve(input), home, input);
    const far = {
      kom: 'US-ASHBURN-AD-1',
      provider: 'Uocm:US-ASHBURN-AD-1',
      topology: 'US-ASHBURN-AD-1',
      region: 'us-ashburn-1',
    };
    for (const input of ['US-ASHBURN-AD-1', 'Uocm:US-ASHBURN-AD-1'])
      assert.deepEqual(zones.resolve(input), far, input);
    assert.throws(
      () => zones.resolve('AD-3'),
      (e: unknown) => e instanceof DriverError && e.code === 'InvalidArgument',
    );
    assert.throws(
      () => zones.zonesOf('eu-frankfurt-1'),
      (e: unknown) => e instanceof DriverError && e.details.reason === 'region',
    );
    assert.equal(zones.regionOfKey('phx'), 'us-phoenix-1');
    assert.equal(zones.defaultZone().kom, 'AD-1');
  });

  void it('finds the instance and its region in a node providerID', () => {
    assert.deepEqual(instanceOf({ nodeName: 'n', providerId: 'oci://ocid1.instance.oc1.iad.abc' }, zones), {
      region: 'us-ashburn-1',
      instanceId: 'ocid1.instance.oc1.iad.abc',
    });
    assert.deepEqual(
      instanceOf({ nodeName: 'n', providerId: 'ocid1.instance.oc1.phx.abc' }, zones).region,
      'us-phoenix-1',
    );
    assert.throws(() => instanceOf({ nodeName: 'n', providerId: 'aws:///us-east-1a/i-1' }, zones));
    assert.throws(() => instanceOf({ nodeName: 'n', providerId: 'ocid1.instance.oc1.fra.abc' }, zones));
  });
});

void describe('oke error mapping', () => {
  const oci = (statusCode: number, serviceCode: string) =>
    Object.assign(new Error(`${serviceCode} said so`), { statusCode, serviceCode, opcRequestId: 'R1' });
  void it('maps OCI answers to driver codes, keeping what OCI said', () => {
    const cases: [number, string, boolean, string, boolean][] = [
      [429, 'TooManyRequests', false, 'Throttled', true],
      [500, 'InternalServerError', false, 'Transient', true],
      [503, 'ServiceUnavailable', false, 'Transient', true],
      [401, 'NotAuthenticated', false, 'Unauthenticated', false],
      [404, 'NotAuthorizedOrNotFound', false, 'NotFound', false],
      [404, 'NotAuthorizedOrNotFound', true, 'PermissionDenied', false],
      [400, 'InvalidParameter', true, 'InvalidArgument', false],
      [400, 'LimitExceeded', true, 'Conflict', false],
      [409, 'IncorrectState', false, 'Conflict', false],
      [409, 'InvalidatedRetryToken', true, 'Conflict', false],
    ];
    for (const [status, code, creating, want, retryable] of cases) {
      const err = mapOciError(oci(status, code), 'CreateVolume in us-phoenix-1', creating);
      assert.equal(err.code, want, `${status} ${code}`);
      assert.equal(err.retryable, retryable, `${status} ${code}`);
      assert.equal(err.details.ociCode, code);
      assert.equal(err.details.opcRequestId, 'R1');
      assert.match(err.message, /said so/);
    }
    assert.equal(
      mapOciError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'x').code,
      'Transient',
    );
  });

  void it('lets the SDK retry only what OCI refused before acting or did not answer', () => {
    const e = (statusCode: number, serviceCode = 'X') =>
      ({ statusCode, serviceCode }) as Parameters<typeof ociRetryable>[0];
    for (const yes of [e(429), e(500), e(503), e(-1), e(409, 'IncorrectState')])
      assert.equal(ociRetryable(yes), true);
    for (const no of [e(400), e(401), e(404), e(409, 'Conflict')]) assert.equal(ociRetryable(no), false);
  });
});

void describe('oke disks and backups', () => {
  const settings = readOkeSettings(ctx({}));
  void it('checks options and rounds sizes up to whole GiB, at least OCI’s 50', () => {
    assert.deepEqual(okeDiskOptions({ vpusPerGB: 20, fsType: 'xfs' }, settings), {
      vpusPerGB: 20,
      fsType: 'xfs',
    });
    assert.deepEqual(okeDiskOptions(undefined, settings), { vpusPerGB: 10 });
    assert.throws(
      () => okeDiskOptions({ vpusPerGB: 15 }, settings),
      (e: unknown) => e instanceof DriverError && e.code === 'InvalidArgument',
    );
    assert.throws(
      () => okeDiskOptions({ type: 'gp3' }, settings),
      (e: unknown) => e instanceof DriverError && e.code === 'InvalidArgument',
    );
    assert.throws(
      () => okeDiskOptions({ zoneRedundant: true }, settings),
      (e: unknown) => e instanceof DriverError && e.code === 'Unsupported',
    );
    assert.equal(volumeGiB(1), 50);
    assert.equal(volumeGiB(100 * 1024 ** 3 + 1), 101);
    for (const bad of [0, -1, Number.NaN, 40 * 1024 ** 4]) assert.throws(() => volumeGiB(bad), String(bad));
  });

  void it('counts a copy as Kompox’s only once its own tags name its source', () => {
    const src = 'ocid1.volumebackup.oc1.phx.aaa';
    const backup = (tags: Record<string, string>, sourceVolumeBackupId?: string) =>
      ({
        id: 'b',
        freeformTags: tags,
        ...(sourceVolumeBackupId ? { sourceVolumeBackupId } : {}),
      }) as Parameters<typeof isOwnBackup>[0];
    assert.equal(isOwnBackup(backup({})), true);
    assert.equal(isOwnBackup(backup({ 'kompox-snapshot-name': 's1' }, src)), false);
    assert.equal(isOwnBackup(backup({ [OKE_TAG.copiedFromId]: tagValue(src) }, src)), true);
    assert.equal(
      isOwnBackup(backup({ [OKE_TAG.copiedFromId]: tagValue('ocid1.volumebackup.oc1.phx.other') }, src)),
      false,
    );
  });
});
