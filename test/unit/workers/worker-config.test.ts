// The worker configuration file: what it accepts, and errors that name the file and the key.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  WorkerConfigError,
  addDevClusterRoutes,
  describeAccess,
  loadWorkerConfig,
  parseWorkerConfig,
  writeDevWorkerConfig,
} from '../../../workers/worker-config';

const parse = (doc: unknown) => parseWorkerConfig(doc, '/etc/kompox/worker.yml');

describe('worker config', () => {
  it('reads kubeconfig, in-cluster and dev routes and local roots, relative paths from the file', () => {
    const access = parse({
      clusters: {
        '/ws/a/prv/p/cls/prod': { kubeconfig: 'prod.kubeconfig', context: 'prod' },
        '/ws/a/prv/p/cls/edge': { inCluster: true },
        '*': { dev: true },
      },
      providers: { '/ws/a/prv/local': { localRoots: ['/srv/disks', 'rel'] }, '*': { localRoots: ['*'] } },
    });
    assert.deepEqual(access.clusters['/ws/a/prv/p/cls/prod'], {
      kind: 'kubeconfig',
      path: '/etc/kompox/prod.kubeconfig',
      context: 'prod',
    });
    assert.deepEqual(access.clusters['/ws/a/prv/p/cls/edge'], { kind: 'inCluster' });
    assert.deepEqual(access.clusters['*'], { kind: 'dev' });
    assert.deepEqual(access.localRoots['/ws/a/prv/local'], ['/srv/disks', '/etc/kompox/rel']);
    assert.ok(describeAccess(access).includes('every other Cluster → the dev cluster'));
  });

  it('reads the temporal key: address, namespace, and TLS and API key files relative to the file', () => {
    const config = parse({
      temporal: {
        address: 'temporal.example.com:7233',
        namespace: 'kompox',
        tls: {
          cert: 'tls/tls.crt',
          key: '/etc/tls/tls.key',
          ca: 'ca.crt',
          serverName: 'temporal.example.com',
        },
        apiKeyFile: 'api-key',
      },
    });
    assert.deepEqual(config.temporal, {
      source: 'worker config /etc/kompox/worker.yml',
      address: 'temporal.example.com:7233',
      namespace: 'kompox',
      tls: {
        cert: '/etc/kompox/tls/tls.crt',
        key: '/etc/tls/tls.key',
        ca: '/etc/kompox/ca.crt',
        serverName: 'temporal.example.com',
      },
      apiKeyFile: '/etc/kompox/api-key',
    });
    assert.equal(parse({}).temporal, undefined);
  });

  it('reads which AWS credentials each Provider uses: a profile or the default chain', () => {
    const access = parse({
      providers: { '/ws/a/prv/aws': { aws: { profile: 'prod' } }, '*': { aws: {}, localRoots: ['*'] } },
    });
    assert.deepEqual(access.aws, { '/ws/a/prv/aws': { profile: 'prod' }, '*': {} });
    assert.deepEqual(access.localRoots, { '*': ['*'] });
    const words = describeAccess(access);
    assert.ok(words.includes('Provider /ws/a/prv/aws: AWS credentials from profile prod'), words.join('\n'));
    assert.ok(
      words.includes('every other Provider: AWS credentials from the default chain'),
      words.join('\n'),
    );
  });

  it('routes Clusters by name to extra dev clusters, and says so', () => {
    const access = parse({ clusters: { '*/cls/east': { dev: 'east' }, '*': { dev: true } } });
    assert.deepEqual(access.clusters['*/cls/east'], { kind: 'dev', cluster: 'east' });
    const words = describeAccess(access);
    assert.deepEqual(words.slice(0, 2), [
      'every other Cluster named east → the extra dev cluster east',
      'every other Cluster → the dev cluster',
    ]);
  });

  it("writes the dev stack's configuration with a route for each extra cluster, and adds missing ones", () => {
    const dir = mkdtempSync(join(tmpdir(), 'kompox-worker-config-'));
    try {
      const file = join(dir, 'worker-config.yml');
      writeDevWorkerConfig(file, ['east']);
      assert.deepEqual(loadWorkerConfig(file).clusters, {
        '*/cls/east': { kind: 'dev', cluster: 'east' },
        '*': { kind: 'dev' },
      });
      // A developer's own file: its routes and comments stay, a name it routes already is left alone.
      writeFileSync(
        file,
        '# mine\nclusters:\n  "*/cls/west": { kubeconfig: /etc/west.kubeconfig } # kept\n  "*": { dev: true }\n',
      );
      assert.equal(addDevClusterRoutes(file, ['west', 'east']), true);
      const text = readFileSync(file, 'utf8');
      assert.match(text, /^# mine$/m);
      assert.match(text, /# kept/);
      assert.deepEqual(loadWorkerConfig(file).clusters, {
        '*/cls/west': { kind: 'kubeconfig', path: '/etc/west.kubeconfig' },
        '*': { kind: 'dev' },
        '*/cls/east': { kind: 'dev', cluster: 'east' },
      });
      assert.equal(addDevClusterRoutes(file, ['east']), false);
      assert.equal(readFileSync(file, 'utf8'), text);
      // A file the worker would refuse is not touched.
      writeFileSync(file, 'clusters:\n  prod: { dev: true }\n');
      assert.throws(
        () => addDevClusterRoutes(file, ['east']),
        /clusters\["prod"\]: expected a Cluster Resource ID/,
      );
      assert.equal(readFileSync(file, 'utf8'), 'clusters:\n  prod: { dev: true }\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const X = '/ws/a/prv/p/cls/x';
  for (const [name, doc, message] of [
    ['an unknown key', { clusterz: {} }, /clusterz: unknown key/],
    ['two routes for one cluster', { clusters: { [X]: { dev: true, inCluster: true } } }, /exactly one of/],
    ['no route', { clusters: { [X]: {} } }, /exactly one of kubeconfig, inCluster, dev \(found none\)/],
    [
      'an empty kubeconfig',
      { clusters: { [X]: { kubeconfig: '' } } },
      /clusters\["\/ws\/a\/prv\/p\/cls\/x"\]\.kubeconfig: expected a path/,
    ],
    [
      'dev: false',
      { clusters: { [X]: { dev: false } } },
      /clusters\["[^"]+"\]\.dev: expected true .* or the name/,
    ],
    [
      'dev: a name that is no DNS label',
      { clusters: { '*': { dev: 'East Coast' } } },
      /clusters\["\*"\]\.dev: expected true \(the dev cluster\) or the name of an extra dev cluster/,
    ],
    [
      'an unknown route key',
      { clusters: { '*': { dev: true, namespace: 'x' } } },
      /clusters\["\*"\]\.namespace: unknown key \(expected kubeconfig, context, inCluster, dev\)/,
    ],
    [
      'a context without a kubeconfig',
      { clusters: { '*': { dev: true, context: 'c' } } },
      /\.context: only with kubeconfig/,
    ],
    [
      'a key that is no Cluster',
      { clusters: { prod: { dev: true } } },
      /clusters\["prod"\]: expected a Cluster Resource ID \(\/ws\/W\/prv\/P\/cls\/NAME\), \*\/cls\/NAME or \*/,
    ],
    [
      'a Provider ID as key',
      { clusters: { '/ws/a/prv/p': { dev: true } } },
      /clusters\["\/ws\/a\/prv\/p"\]: expected a Cluster/,
    ],
    [
      'a bad name pattern',
      { clusters: { '*/cls/East': { dev: true } } },
      /clusters\["\*\/cls\/East"\]: "East" is not a Cluster name/,
    ],
    [
      'roots that are not a list',
      { providers: { p: { localRoots: '/srv' } } },
      /providers\["p"\]\.localRoots/,
    ],
    ['a list at the top', [], /expected a mapping/],
    ['an unknown provider key', { providers: { p: { azure: {} } } }, /providers\["p"\]\.azure: unknown key/],
    ['an empty provider entry', { providers: { p: {} } }, /providers\["p"\]: expected/],
    [
      'a bad AWS profile',
      { providers: { p: { aws: { profile: 'a b' } } } },
      /providers\["p"\]\.aws\.profile/,
    ],
    [
      'an unknown AWS key',
      { providers: { p: { aws: { roleArn: 'x' } } } },
      /providers\["p"\]\.aws\.roleArn: unknown key/,
    ],
    [
      'an unknown temporal key',
      { temporal: { apiKey: 'inline-secret' } },
      /temporal\.apiKey: unknown key \(expected address, namespace, tls, apiKeyFile\)/,
    ],
    [
      'an unknown TLS key',
      { temporal: { tls: { certData: 'x' } } },
      /temporal\.tls\.certData: unknown key \(expected cert, key, ca, serverName/,
    ],
    [
      'a bad Temporal address',
      { temporal: { address: 'temporal' } },
      /temporal\.address: expected host:port/,
    ],
    [
      'a TLS path that is not a string',
      { temporal: { tls: { ca: 1 } } },
      /temporal\.tls\.ca: expected a file path/,
    ],
  ] as const) {
    it(`refuses ${name}, naming the file`, () => {
      assert.throws(
        () => parse(doc),
        (err: unknown) =>
          err instanceof WorkerConfigError &&
          err.message.startsWith('worker config /etc/kompox/worker.yml: ') &&
          message.test(err.message),
      );
    });
  }
});
