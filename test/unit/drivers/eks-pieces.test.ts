// The eks driver's parts that need no EC2: error mapping, EBS option and size rules, zone
// spellings, the home region's fallbacks and node providerIDs. The driver against moto is in
// test/integration/drivers/eks-driver.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSize, ebsOptions, sizeGiB } from '../../../drivers/eks/ebs-options';
import { mapAwsError } from '../../../drivers/eks/errors';
import { instanceOf } from '../../../drivers/eks/instances';
import { homeRegionFromEnvironment } from '../../../drivers/eks/settings';
import { EksZones } from '../../../drivers/eks/zones';

const awsError = (name: string, status: number, fault: 'client' | 'server' = 'client'): Error =>
  Object.assign(new Error(`${name} said so`), { name, $fault: fault, $metadata: { httpStatusCode: status } });

void describe('eks error mapping', () => {
  void it('maps EC2 codes to driver codes, keeping the message, the action and the AWS code', () => {
    const cases: [string, number, string, boolean][] = [
      ['RequestLimitExceeded', 503, 'Throttled', true],
      ['ThrottlingException', 400, 'Throttled', true],
      ['UnauthorizedOperation', 403, 'PermissionDenied', false],
      ['AccessDeniedForSomething', 403, 'PermissionDenied', false],
      ['Blocked', 403, 'PermissionDenied', false],
      ['AuthFailure', 401, 'Unauthenticated', false],
      ['SignatureDoesNotMatch', 403, 'Unauthenticated', false],
      ['InvalidVolume.NotFound', 400, 'NotFound', false],
      ['InvalidSnapshot.NotFound', 400, 'NotFound', false],
      ['InvalidParameterValue', 400, 'InvalidArgument', false],
      ['InvalidZone.NotFound', 400, 'InvalidArgument', false],
      ['VolumeTypeNotAvailableInZone', 400, 'InvalidArgument', false],
      ['IdempotentParameterMismatch', 400, 'Conflict', false],
      ['VolumeInUse', 400, 'InUse', false],
      ['IncorrectState', 400, 'Conflict', false],
      ['InvalidVolume.ZoneMismatch', 400, 'InvalidArgument', false],
      ['VolumeLimitExceeded', 400, 'Conflict', false],
      ['InternalError', 500, 'Transient', true],
      ['Unavailable', 503, 'Transient', true],
      ['SomethingNew', 400, 'InvalidArgument', false],
      ['SomethingNewOnTheServer', 502, 'Transient', true],
    ];
    for (const [name, status, code, retryable] of cases) {
      const err = mapAwsError(awsError(name, status), 'CreateVolume in us-east-1', 'CreateVolume');
      assert.equal(err.code, code, name);
      assert.equal(err.retryable, retryable, name);
      assert.equal(err.details.awsCode, name);
      assert.match(
        err.message,
        new RegExp(`^CreateVolume in us-east-1 failed: ${name} said so \\[${name}\\]`),
      );
    }
    assert.match(
      mapAwsError(awsError('UnauthorizedOperation', 403), 'DetachVolume in us-east-1', 'DetachVolume')
        .message,
      /allow ec2:DetachVolume to the worker's IAM identity/,
    );
  });

  void it('names the standard chain for missing credentials, and retries lost connections', () => {
    const missing = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    const err = mapAwsError(missing, 'DescribeVolumes in us-east-1', 'DescribeVolumes');
    assert.equal(err.code, 'Unauthenticated');
    for (const source of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_PROFILE',
      '~/.aws/credentials',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'AWS_ROLE_ARN',
      'IRSA',
      'EKS Pod Identity',
      'instance metadata service',
    ])
      assert.ok(err.message.includes(source), source);
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const lost = mapAwsError(reset, 'CreateSnapshot in us-east-1', 'CreateSnapshot');
    assert.deepEqual([lost.code, lost.retryable, lost.details.awsCode], ['Transient', true, 'ECONNRESET']);
  });
});

void describe('EBS options and sizes', () => {
  const defaults = { volumeType: 'gp3' as const };
  const refused = (options: Record<string, string | number | boolean>, message: RegExp): void =>
    assert.throws(() => ebsOptions(options, defaults), { code: 'InvalidArgument', message });

  void it('fills defaults and reads numbers given as strings', () => {
    assert.deepEqual(ebsOptions(undefined, defaults), { type: 'gp3', encrypted: false });
    assert.deepEqual(ebsOptions({ type: 'io2', iops: '4000' }, defaults), {
      type: 'io2',
      iops: 4000,
      encrypted: false,
    });
    assert.deepEqual(ebsOptions({}, { volumeType: 'gp2', kmsKeyId: 'alias/kompox' }), {
      type: 'gp2',
      encrypted: true,
      kmsKeyId: 'alias/kompox',
    });
    assert.deepEqual(ebsOptions({ encrypted: false }, { volumeType: 'gp3', kmsKeyId: 'alias/kompox' }), {
      type: 'gp3',
      encrypted: false,
    });
  });

  void it('refuses what EBS would refuse, naming the option', () => {
    refused({ type: 'gp9' }, /type "gp9" is not an EBS volume type/);
    refused({ type: 'io1' }, /iops is required for io1/);
    refused({ iops: 2999 }, /iops 2999 is out of range for gp3 volumes \(3000-80000 IOPS\)/);
    refused({ iops: 80001 }, /out of range/);
    refused({ type: 'io2', iops: 256001 }, /100-256000/);
    refused({ type: 'gp2', iops: 3000 }, /iops cannot be set for gp2/);
    refused({ type: 'io1', iops: 100, throughput: 200 }, /throughput cannot be set for io1/);
    refused({ throughput: 2001 }, /125-2000 MiB\/s/);
    refused({ encrypted: false, kmsKeyId: 'k' }, /kmsKeyId needs an encrypted disk/);
    refused({ fsType: 'btrfs' }, /fsType "btrfs"/);
    refused({ sku: 'Premium_LRS' }, /unknown disk option sku for eks/);
    assert.throws(() => ebsOptions({ zoneRedundant: true }, defaults), { code: 'Unsupported' });
  });

  void it('rounds sizes up to whole GiB and checks them per type', () => {
    assert.equal(sizeGiB(2 ** 30), 1);
    assert.equal(sizeGiB(100e9), 94);
    assert.equal(sizeGiB(1), 1);
    assert.throws(() => sizeGiB(0), { code: 'InvalidArgument' });
    assert.throws(() => sizeGiB(1.5), { code: 'InvalidArgument' });
    checkSize('gp3', 65_536);
    assert.throws(
      () => checkSize('gp3', 65_537),
      /65537 GiB is out of range for gp3 volumes \(1-65536 GiB\)/,
    );
    assert.throws(() => checkSize('gp2', 16_385), /1-16384/);
    assert.throws(() => checkSize('io2', 3), /4-65536/);
    assert.throws(() => checkSize('st1', 124), /125-16384/);
    assert.throws(() => checkSize('standard', 1025), /1-1024/);
  });
});

void describe('eks zones, home region and providerIDs', () => {
  const AZS: Record<string, { name: string; id: string }[]> = {
    'us-east-1': [
      { name: 'us-east-1b', id: 'use1-az1' },
      { name: 'us-east-1a', id: 'use1-az6' },
    ],
    'us-west-2': [{ name: 'us-west-2b', id: 'usw2-az1' }],
  };
  const looked: string[] = [];
  const zones = new EksZones('us-east-1', ['us-east-1', 'us-west-2'], async (r) => {
    looked.push(r);
    return AZS[r] ?? [];
  });

  void it('resolves names, AZ ids, letters and indexes, and looks each region up once', async () => {
    const a = { kom: 'us-east-1a', provider: 'us-east-1a', topology: 'us-east-1a', region: 'us-east-1' };
    for (const input of ['us-east-1a', 'use1-az6', 'a', '1'])
      assert.deepEqual({ ...(await zones.resolve(input)), zoneId: undefined }, { ...a, zoneId: undefined });
    assert.equal((await zones.resolve('usw2-az1')).kom, 'us-west-2b');
    assert.equal((await zones.resolve('us-west-2b')).region, 'us-west-2');
    await assert.rejects(zones.resolve('z'), {
      code: 'InvalidArgument',
      message: 'unknown zone "z" (known: us-east-1a, us-east-1b, us-west-2b)',
    });
    await assert.rejects(
      zones.resolve('eu-west-1a'),
      /region eu-west-1, which the eks driver does not see .*AWS_REGIONS/,
    );
    assert.deepEqual(looked, ['us-east-1', 'us-west-2']);
  });

  void it('takes the home region from AWS_REGION, AWS_DEFAULT_REGION, then the profile', async () => {
    const none = async (): Promise<string | undefined> => undefined;
    assert.equal(
      await homeRegionFromEnvironment({ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'x' }, none),
      'eu-west-1',
    );
    assert.equal(await homeRegionFromEnvironment({ AWS_DEFAULT_REGION: 'ap-south-1' }, none), 'ap-south-1');
    assert.equal(await homeRegionFromEnvironment({}, async () => 'us-west-2'), 'us-west-2');
    await assert.rejects(homeRegionFromEnvironment({}, none), {
      code: 'InvalidArgument',
      message: /no home region: set AWS_REGION in the Cluster/,
    });
  });

  void it('reads the instance from a node providerID', () => {
    assert.deepEqual(instanceOf({ nodeName: 'n', providerId: 'aws:///us-west-2-lax-1a/i-0abc123' }), {
      region: 'us-west-2',
      instanceId: 'i-0abc123',
    });
    assert.throws(() => instanceOf({ nodeName: 'n1' }), {
      code: 'InvalidArgument',
      message: /node n1 has no AWS providerID/,
    });
    assert.throws(() => instanceOf({ nodeName: 'n', providerId: 'gce://p/z/i' }), {
      code: 'InvalidArgument',
    });
  });
});
