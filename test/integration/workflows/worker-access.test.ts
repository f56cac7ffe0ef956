// The worker reaches only what its configuration lists: a request naming another cluster, a
// kubeconfig the worker was not given, a local root outside its roots, or a cloud Provider it has
// no credentials for fails with NotConfigured and touches nothing; what is listed works.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { runOperation } from '../../helpers/snapshots';
import { restartWorker, devWorkerConfigFile } from '../../../dev/dev-stack';
import { localAppTarget } from '../../helpers/app-target';
import { type TestStack, startTestStack } from '../../helpers/dev-stack';

describe('worker configuration refuses what it does not list', () => {
  let stack: TestStack;
  const allowed = mkdtempSync(join(tmpdir(), 'kompox-allowed-'));
  const outside = mkdtempSync(join(tmpdir(), 'kompox-outside-'));
  before(async () => {
    stack = await startTestStack();
    // Only the test cluster (routed to the dev cluster) and one local root.
    writeFileSync(
      devWorkerConfigFile(stack.dir),
      stringify({
        clusters: { '/ws/test/prv/local/cls/dev': { dev: true } },
        providers: { '/ws/test/prv/local': { localRoots: [allowed] } },
      }),
    );
    process.kill(Number(readFileSync(join(stack.dir, 'worker.pid'), 'utf8')), 'SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    await restartWorker(stack.dir);
  });
  after(async () => {
    await stack?.stop();
    rmSync(allowed, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('refuses a local root outside the configured roots, and creates nothing there', async () => {
    const target = localAppTarget({ localRoot: outside });
    const done = await runOperation(stack.client, { kind: 'disk.create', target, volume: 'db' });
    assert.equal(done.phase, 'Failed');
    assert.equal(done.failure?.reason, 'NotConfigured');
    assert.match(done.failure?.message ?? '', new RegExp(`may not use local root ${outside}`));
    assert.deepEqual(readdirSync(outside), []);
  });

  it('uses a local root inside the configured roots', async () => {
    const target = localAppTarget({ localRoot: join(allowed, 'disks') });
    const done = await runOperation(stack.client, { kind: 'disk.create', target, volume: 'db' });
    assert.equal(done.phase, 'Completed', JSON.stringify(done.failure));
  });

  it('refuses a cluster it was not configured for', async () => {
    const base = localAppTarget({ localRoot: join(allowed, 'other') });
    const target = {
      ...base,
      cluster: { ...base.cluster, id: '/ws/test/prv/local/cls/elsewhere', name: 'elsewhere' },
    };
    const done = await runOperation(stack.client, { kind: 'app.destroy', target });
    assert.equal(done.phase, 'Failed');
    assert.equal(done.failure?.reason, 'NotConfigured');
    assert.match(
      done.failure?.message ?? '',
      /not configured for cluster \/ws\/test\/prv\/local\/cls\/elsewhere/,
    );
  });

  it('refuses an eks Provider it has no AWS credentials for, before any AWS call', async () => {
    const base = localAppTarget({ localRoot: join(allowed, 'aws') });
    const target = {
      ...base,
      provider: { ...base.provider, driver: 'eks', settings: { AWS_REGION: 'us-east-1' } },
    };
    const done = await runOperation(stack.client, { kind: 'disk.create', target, volume: 'db' });
    assert.equal(done.phase, 'Failed');
    assert.equal(done.failure?.reason, 'NotConfigured');
    assert.match(
      done.failure?.message ?? '',
      /no AWS credentials for provider \/ws\/test\/prv\/local; add aws: \{\}/,
    );
  });

  it('refuses a kubeconfig path named in the KOM that the worker was not given', async () => {
    const base = localAppTarget({ localRoot: join(allowed, 'kc') });
    const target = {
      ...base,
      cluster: { ...base.cluster, settings: { KUBECONFIG: '/etc/someone-else.kubeconfig' } },
    };
    const done = await runOperation(stack.client, { kind: 'app.destroy', target });
    assert.equal(done.phase, 'Failed');
    assert.equal(done.failure?.reason, 'NotConfigured');
    assert.match(done.failure?.message ?? '', /names kubeconfig \/etc\/someone-else\.kubeconfig/);
  });

  it('routes a configured cluster as configured (the dev cluster, which this stack did not start)', async () => {
    const target = localAppTarget({ localRoot: join(allowed, 'dev') });
    const done = await runOperation(stack.client, { kind: 'app.destroy', target });
    assert.equal(done.phase, 'Failed');
    assert.equal(done.failure?.reason, 'NoCluster');
    assert.match(done.failure?.message ?? '', /routed to the dev cluster, which is not running/);
  });
});
