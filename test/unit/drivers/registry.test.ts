import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDriver, registerDriver, registeredDrivers } from '../../../drivers/registry';

const loaded = (file: string): boolean => Object.keys(require.cache).some((k) => k.endsWith(file));
const loadedLocal = (): boolean => loaded('local-driver.js');
const ctx = {
  workspace: 'ws',
  provider: 'p',
  cluster: 'c',
  providerSettings: {},
  clusterSettings: {},
  stateDir: '/tmp/x',
};

void describe('driver registry', () => {
  void it('knows all providers and loads local only when asked', async () => {
    assert.deepEqual(registeredDrivers(), ['aks', 'eks', 'gke', 'k3s', 'local', 'oke']);
    assert.equal(loadedLocal(), false);
    const driver = await createDriver('local', ctx);
    assert.equal(driver.driverName, 'local');
    assert.equal(loadedLocal(), true);
    assert.equal(driver.capabilities.crossRegionCopy, true);
  });

  void it('refuses an unknown driver name, naming the drivers it knows', async () => {
    await assert.rejects(createDriver('azure', ctx), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'InvalidArgument');
      assert.match(err.message, /unknown provider driver "azure" \(known: aks, eks, gke, k3s, local, oke\)/);
      return true;
    });
  });

  void it('loads oke (and the OCI SDK) only when asked, and names a missing setting', async () => {
    assert.equal(loaded('oke-driver.js'), false);
    assert.equal(loaded('oci-core/index.js'), false);
    await assert.rejects(
      createDriver('oke', ctx),
      (err: Error & { code?: string; details?: { setting?: string } }) => {
        assert.equal(err.code, 'InvalidArgument');
        assert.equal(err.details?.setting, 'OCI_COMPARTMENT_ID');
        return true;
      },
    );
    assert.equal(loaded('oke-driver.js'), true);
  });

  void it('loads k3s only when asked; without a kubeconfig or with an unknown K3S_ setting it says so', async () => {
    assert.equal(loaded('k3s-driver.js'), false);
    const driver = await createDriver('k3s', ctx);
    assert.equal(loaded('k3s-driver.js'), true);
    assert.equal(driver.driverName, 'k3s');
    assert.equal(driver.capabilities.forceDetach, false);
    await assert.rejects(driver.listRegions(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'InvalidArgument');
      assert.match(err.message, /kubeconfig/);
      return true;
    });
    await assert.rejects(
      createDriver('k3s', { ...ctx, providerSettings: { K3S_STORAGECLASS: 'x' } }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'InvalidArgument');
        assert.match(err.message, /unknown k3s setting K3S_STORAGECLASS/);
        return true;
      },
    );
    await assert.rejects(driver.beginForceDetach({ disk: { app: 'a', volume: 'v', name: 'd' } }), {
      code: 'Unsupported',
      message: /out-of-service/,
    });
  });

  void it('loads eks and the AWS SDK only when asked; refuses unknown AWS_ settings and credentials as settings', async () => {
    const sdkLoaded = (): boolean => Object.keys(require.cache).some((k) => k.includes('@aws-sdk'));
    assert.equal(loaded('eks-driver.js'), false);
    assert.equal(sdkLoaded(), false);
    const driver = await createDriver('eks', { ...ctx, clusterSettings: { AWS_REGION: 'us-east-1' } });
    assert.equal(driver.driverName, 'eks');
    assert.equal(loaded('eks-driver.js'), true);
    assert.equal(sdkLoaded(), true);
    assert.deepEqual(driver.capabilities, {
      forceDetach: true,
      fence: true,
      zoneRedundantDisks: false,
      incrementalSnapshots: true,
      crossRegionCopy: true,
      diskFromDisk: false,
      instanceState: true,
    });
    for (const [key, message] of [
      ['AWS_EBS_VOLUMETYPE', /unknown eks setting AWS_EBS_VOLUMETYPE \(known: AWS_REGION, /],
      [
        'AWS_SECRET_ACCESS_KEY',
        /not an eks setting: credentials come only from the AWS SDK's standard chain/,
      ],
      ['AWS_ENDPOINT_URL_EC2', /not an eks setting: the EC2 endpoint comes from the worker's environment/],
    ] as const) {
      await assert.rejects(createDriver('eks', { ...ctx, providerSettings: { [key]: 'x' } }), {
        code: 'InvalidArgument',
        message,
        details: { setting: key },
      });
    }
    await assert.rejects(createDriver('eks', { ...ctx, clusterSettings: { AWS_EBS_VOLUME_TYPE: 'gp9' } }), {
      code: 'InvalidArgument',
      message:
        /AWS_EBS_VOLUME_TYPE "gp9" is not an EBS volume type \(use one of gp3, gp2, io2, io1, st1, sc1, standard\)/,
    });
  });

  void it('loads aks and the Azure SDK only when asked; refuses unknown AZURE_ settings and credentials as settings', async () => {
    const sdkLoaded = (): boolean => Object.keys(require.cache).some((k) => k.includes('@azure/arm-compute'));
    assert.equal(loaded('aks-driver.js'), false);
    assert.equal(sdkLoaded(), false);
    const azure = {
      AZURE_SUBSCRIPTION_ID: '00000000-0000-4000-8000-000000000001',
      AZURE_RESOURCE_GROUP: 'disks',
      AZURE_LOCATION: 'eastus2',
    };
    const driver = await createDriver('aks', { ...ctx, providerSettings: azure });
    assert.equal(driver.driverName, 'aks');
    assert.equal(loaded('aks-driver.js'), true);
    assert.equal(sdkLoaded(), true);
    assert.equal(driver.capabilities.zoneRedundantDisks, true);
    for (const [key, message] of [
      ['AZURE_DISKSKU', /unknown aks setting AZURE_DISKSKU \(known: AZURE_SUBSCRIPTION_ID, /],
      [
        'AZURE_CLIENT_SECRET',
        /not an aks setting: credentials come only from the DefaultAzureCredential chain/,
      ],
      ['AZURE_RESOURCE_MANAGER_ENDPOINT', /must be an https URL/],
    ] as const) {
      await assert.rejects(
        createDriver('aks', { ...ctx, providerSettings: { ...azure, [key]: 'http://x' } }),
        {
          code: 'InvalidArgument',
          message,
          details: { setting: key },
        },
      );
    }
    await assert.rejects(createDriver('aks', { ...ctx, providerSettings: { AZURE_LOCATION: 'eastus2' } }), {
      code: 'InvalidArgument',
      message: /AZURE_SUBSCRIPTION_ID is required/,
    });
  });

  void it('lets tests register a replacement and retries a failed load', async () => {
    let attempts = 0;
    registerDriver('flaky', async () => {
      attempts++;
      if (attempts === 1) throw new Error('sdk missing');
      return () => ({ driverName: 'flaky' }) as never;
    });
    await assert.rejects(createDriver('flaky', ctx), /sdk missing/);
    assert.equal((await createDriver('flaky', ctx)).driverName, 'flaky');
    assert.equal(attempts, 2);
  });
});
