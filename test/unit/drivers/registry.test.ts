import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDriver, registerDriver, registeredDrivers } from '../../../drivers/registry';

const loadedLocal = (): boolean => Object.keys(require.cache).some((k) => k.endsWith('local-driver.js'));
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

  void it('fails clearly for providers that are not implemented yet and for unknown names', async () => {
    for (const name of ['eks', 'aks', 'gke', 'oke', 'k3s']) {
      await assert.rejects(createDriver(name, ctx), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'NotImplemented');
        assert.match(err.message, new RegExp(`"${name}" is not implemented yet`));
        return true;
      });
    }
    await assert.rejects(createDriver('azure', ctx), { code: 'InvalidArgument' });
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
