// The aks driver's pure mappings: zones in their three spellings, ARM names and VM ids, disk
// options and ZRS, ARM errors, and how ARM disks and snapshots read as Kompox records.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { armName, vmOfArmId, vmOfProviderId } from '../../../drivers/aks/arm-names';
import { AKS_TAG, armDiskToDisk, armSnapshotToSnapshot } from '../../../drivers/aks/arm-records';
import { aksDiskOptions } from '../../../drivers/aks/disk-options';
import { mapAzureError } from '../../../drivers/aks/errors';
import { readAksSettings } from '../../../drivers/aks/settings';
import { AksZones } from '../../../drivers/aks/zones';
import { TAG } from '../../../drivers/tags';

const zones = new AksZones('eastus2', ['eastus2', 'westus3'], {
  eastus2: ['1', '2', '3'],
  westus3: ['1', '2'],
});
const SCALE_SET_VM =
  '/subscriptions/s/resourceGroups/MC_rg/providers/Microsoft.Compute/virtualMachineScaleSets/aks-pool-vmss/virtualMachines/3';

void describe('aks zones', () => {
  void it('spells a home zone 1 / 1 / eastus2-1 and a zone elsewhere by its label value', () => {
    assert.deepEqual(zones.resolve('1'), {
      kom: '1',
      provider: '1',
      topology: 'eastus2-1',
      region: 'eastus2',
    });
    assert.deepEqual(zones.resolve('eastus2-1'), zones.resolve('1'));
    assert.deepEqual(zones.resolve('westus3-2'), {
      kom: 'westus3-2',
      provider: '2',
      topology: 'westus3-2',
      region: 'westus3',
    });
    assert.equal(zones.defaultZone().kom, '1');
  });

  void it('refuses zones it does not know, naming the region setting for unseen regions', () => {
    assert.throws(() => zones.resolve('westus3-3'), { code: 'InvalidArgument', details: { reason: 'zone' } });
    assert.throws(() => zones.resolve('4'), { code: 'InvalidArgument' });
    assert.throws(() => zones.resolve('northeurope-1'), {
      code: 'InvalidArgument',
      message: /AZURE_LOCATIONS/,
      details: { reason: 'region' },
    });
  });

  void it('reads zones per region from AZURE_ZONES, 1-3 elsewhere', () => {
    const s = readAksSettings({
      workspace: 'w',
      provider: 'p',
      cluster: 'c',
      stateDir: '/x',
      providerSettings: {
        AZURE_SUBSCRIPTION_ID: '00000000-0000-4000-8000-000000000001',
        AZURE_RESOURCE_GROUP: 'rg',
        AZURE_LOCATION: 'eastus2',
        AZURE_LOCATIONS: 'westus, eastus2',
        AZURE_ZONES: 'westus:',
      },
      clusterSettings: {},
    });
    assert.deepEqual(s.locations, ['eastus2', 'westus']);
    assert.deepEqual(s.zones, { eastus2: ['1', '2', '3'], westus: [] });
    assert.equal(s.scope, 'https://management.azure.com/.default');
  });
});

void describe('aks names and VMs', () => {
  void it('derives one ARM name per key, within 80 characters, with the Kompox name readable', () => {
    const a = armName('d1', 'op-1/data/create-disk');
    assert.equal(a, armName('d1', 'op-1/data/create-disk'));
    assert.notEqual(a, armName('d1', 'op-2/data/create-disk'));
    assert.match(a, /^kompox-d1-[a-z0-9]{16}$/);
    assert.ok(armName('x'.repeat(63), 'k').length <= 80);
  });

  void it('finds the VM of a managedBy id or a node providerID, scale-set VMs and standalone ones', () => {
    assert.deepEqual(vmOfArmId(SCALE_SET_VM), {
      kind: 'vmssVm',
      id: SCALE_SET_VM,
      resourceGroup: 'MC_rg',
      scaleSet: 'aks-pool-vmss',
      instanceId: '3',
    });
    const vm = '/subscriptions/s/resourcegroups/rg/providers/Microsoft.Compute/virtualMachines/node-a';
    assert.equal(vmOfProviderId('node-a', `azure://${vm}`).kind, 'vm');
    assert.equal(
      vmOfArmId('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d'),
      undefined,
    );
    assert.throws(() => vmOfProviderId('n', 'aws:///us-east-1a/i-1'), {
      code: 'InvalidArgument',
      details: { reason: 'providerId' },
    });
  });
});

void describe('aks disk options', () => {
  void it('makes zoneRedundant pick the ZRS sibling, and refuses what Azure has not', () => {
    assert.deepEqual(aksDiskOptions({}, 'Premium_LRS'), { sku: 'Premium_LRS', zoneRedundant: false });
    assert.equal(aksDiskOptions({ zoneRedundant: true }, 'StandardSSD_LRS').sku, 'StandardSSD_ZRS');
    assert.equal(aksDiskOptions({ sku: 'Premium_ZRS' }, 'Premium_LRS').zoneRedundant, true);
    assert.throws(() => aksDiskOptions({ zoneRedundant: true, sku: 'UltraSSD_LRS' }, 'Premium_LRS'), {
      code: 'InvalidArgument',
      details: { option: 'zoneRedundant' },
    });
    assert.throws(() => aksDiskOptions({ sku: 'gp3' }, 'Premium_LRS'), { details: { option: 'sku' } });
    assert.throws(() => aksDiskOptions({ iops: 3000 }, 'Premium_LRS'), { details: { option: 'iops' } });
  });
});

void describe('aks errors', () => {
  const rest = (statusCode: number | undefined, code?: string) =>
    Object.assign(new Error('said'), { name: 'RestError', statusCode, code });

  void it('maps ARM codes and statuses to driver codes, retryable only for throttling and transient', () => {
    for (const [err, code, retryable] of [
      [rest(429, 'TooManyRequests'), 'Throttled', true],
      [rest(500, 'InternalServerError'), 'Transient', true],
      [rest(503), 'Transient', true],
      [rest(undefined, 'ECONNRESET'), 'Transient', true],
      [rest(403, 'AuthorizationFailed'), 'PermissionDenied', false],
      [rest(401, 'InvalidAuthenticationToken'), 'Unauthenticated', false],
      [rest(404, 'ResourceNotFound'), 'NotFound', false],
      [rest(404, 'ResourceGroupNotFound'), 'InvalidArgument', false],
      [rest(409, 'PropertyChangeNotAllowed'), 'Conflict', false],
      [rest(400, 'InvalidParameter'), 'InvalidArgument', false],
      [Object.assign(new Error('none'), { name: 'CredentialUnavailableError' }), 'Unauthenticated', false],
    ] as const) {
      const mapped = mapAzureError(err, 'PUT disk x');
      assert.equal(mapped.code, code, `${err.name} ${String((err as { code?: string }).code)}`);
      assert.equal(mapped.retryable, retryable, code);
      assert.match(mapped.message, /^PUT disk x failed: /);
    }
  });
});

void describe('aks records', () => {
  const tags = { [TAG.diskName]: 'd1', [TAG.volume]: 'data', [TAG.app]: 'a', [TAG.assigned]: 'true' };

  void it('reads a zonal disk, a ZRS disk spanning its region, and its attachment', () => {
    const zonal = armDiskToDisk(
      {
        id: '/d',
        location: 'eastus2',
        zones: ['2'],
        sku: { name: 'Premium_LRS' },
        diskSizeGB: 8,
        provisioningState: 'Succeeded',
        managedBy: SCALE_SET_VM,
        tags: { ...tags, [AKS_TAG.sourceSnapshot]: 's1' },
        creationData: { createOption: 'Copy', sourceResourceId: '/snap' },
      },
      zones,
    );
    assert.equal(zonal.zone, '2');
    assert.deepEqual(zonal.zones, ['2']);
    assert.equal(zonal.size, 8 * 1024 ** 3);
    assert.equal(zonal.assigned, true);
    assert.deepEqual(zonal.source, { kind: 'snapshot', name: 's1', handle: '/snap' });
    const zrs = armDiskToDisk(
      { location: 'westus3', sku: { name: 'Premium_ZRS' }, provisioningState: 'Creating' },
      zones,
    );
    assert.equal(zrs.zoneRedundant, true);
    assert.equal(zrs.zone, '');
    assert.deepEqual(zrs.zones, ['westus3-1', 'westus3-2']);
    assert.equal(zrs.state, 'creating');
  });

  void it('counts a CopyStart copy as creating until 100 %, and as failed on a copy error', () => {
    const copy = (completionPercent: number, extra = {}) =>
      armSnapshotToSnapshot({
        location: 'westus3',
        provisioningState: 'Succeeded',
        completionPercent,
        incremental: true,
        tags: { [AKS_TAG.copiedFrom]: 's1', [AKS_TAG.copiedFromRegion]: 'eastus2' },
        ...extra,
      });
    assert.equal(copy(40).state, 'creating');
    assert.equal(copy(100).ready, true);
    assert.equal(copy(100).copiedFrom?.region, 'eastus2');
    assert.equal(
      copy(40, { copyCompletionError: { errorCode: 'CopySourceNotFound', errorMessage: 'gone' } }).state,
      'failed',
    );
  });
});
