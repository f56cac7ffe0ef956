import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { WORKER_CLUSTER_ROLE_RULES } from '../../../workers/in-cluster/cluster-role';
import {
  METRICS_PORT,
  WEBHOOK_PORT,
  type WorkerManifestOptions,
  renderWorkerManifests,
  workerManifestsYaml,
} from '../../../workers/in-cluster/manifests';
import { parseWorkerConfig } from '../../../workers/worker-config';

const OPTIONS: WorkerManifestOptions = {
  namespace: 'kompox-system',
  image: 'registry.example/kompox:1.2.3',
  replicas: 3,
  temporalAddress: 'temporal.example:7233',
  temporalNamespace: 'prod',
  codecKeySecret: 'codec',
  webhookTokenSecret: 'hook',
  cluster: '/ws/acme/prv/aks/cls/prod',
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const byKind = (objs: Any[], kind: string): Any => {
  const found = objs.filter((o) => o.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0];
};

void describe('worker manifests', () => {
  void it('renders every object, in the namespace, with one set of labels the selectors match', () => {
    const objs = renderWorkerManifests(OPTIONS) as Any[];
    assert.deepEqual(
      objs.map((o) => o.kind),
      [
        'Namespace',
        'ServiceAccount',
        'ClusterRole',
        'ClusterRoleBinding',
        'ConfigMap',
        'Deployment',
        'Service',
        'NetworkPolicy',
        'PodDisruptionBudget',
      ],
    );
    for (const o of objs) {
      const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind);
      assert.equal(o.metadata.namespace, clusterScoped ? undefined : 'kompox-system', o.kind);
    }
    const deployment = byKind(objs, 'Deployment');
    const podLabels = deployment.spec.template.metadata.labels;
    const matches = (selector: Record<string, string>) =>
      Object.entries(selector).every(([k, v]) => podLabels[k] === v);
    assert.ok(matches(deployment.spec.selector.matchLabels));
    assert.ok(matches(byKind(objs, 'Service').spec.selector));
    assert.ok(matches(byKind(objs, 'NetworkPolicy').spec.podSelector.matchLabels));
    assert.ok(matches(byKind(objs, 'PodDisruptionBudget').spec.selector.matchLabels));
    assert.equal(deployment.spec.replicas, 3);
    const binding = byKind(objs, 'ClusterRoleBinding');
    assert.equal(binding.roleRef.name, byKind(objs, 'ClusterRole').metadata.name);
    assert.deepEqual(binding.subjects, [
      {
        kind: 'ServiceAccount',
        name: byKind(objs, 'ServiceAccount').metadata.name,
        namespace: 'kompox-system',
      },
    ]);
    assert.equal(
      deployment.spec.template.spec.serviceAccountName,
      byKind(objs, 'ServiceAccount').metadata.name,
    );
  });

  void it('runs the worker with the receiver, probes on /healthz, requests, non-root', () => {
    const deployment = byKind(renderWorkerManifests(OPTIONS) as Any[], 'Deployment');
    const pod = deployment.spec.template.spec;
    const c = pod.containers[0];
    assert.equal(c.image, OPTIONS.image);
    assert.deepEqual(c.args.slice(0, 5), [
      '--temporal-address',
      'temporal.example:7233',
      '--namespace',
      'prod',
      'worker',
    ]);
    assert.ok(c.args.includes(`0.0.0.0:${WEBHOOK_PORT}`));
    for (const probe of [c.readinessProbe, c.livenessProbe])
      assert.deepEqual(probe.httpGet, { path: '/healthz', port: 'webhook' });
    assert.ok(c.resources.requests.cpu && c.resources.requests.memory);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    const policy = byKind(renderWorkerManifests(OPTIONS) as Any[], 'NetworkPolicy');
    assert.deepEqual(policy.spec.ingress, [{ ports: [{ port: WEBHOOK_PORT }, { port: METRICS_PORT }] }]);
  });

  void it('references Secrets by name and inlines none', () => {
    const withAll = { ...OPTIONS, temporalTlsSecret: 'tls', temporalApiKeySecret: 'apikey' };
    const objs = renderWorkerManifests(withAll) as Any[];
    assert.equal(objs.filter((o) => o.kind === 'Secret').length, 0);
    const pod = byKind(objs, 'Deployment').spec.template.spec;
    assert.deepEqual(
      pod.volumes.filter((v: Any) => v.secret).map((v: Any) => v.secret.secretName),
      ['codec', 'hook', 'tls'],
    );
    const env = Object.fromEntries(pod.containers[0].env.map((e: Any) => [e.name, e]));
    assert.deepEqual(env.TEMPORAL_API_KEY.valueFrom, { secretKeyRef: { name: 'apikey', key: 'api-key' } });
    assert.equal(env.TEMPORAL_API_KEY.value, undefined);
    for (const name of ['KOMPOX_CODEC_KEY_FILE', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA'])
      assert.match(env[name].value, /^\/var\/run\/secrets\/kompox\//, name);
    // Without them, no TLS mount and no API key.
    const plain = byKind(renderWorkerManifests(OPTIONS) as Any[], 'Deployment').spec.template.spec;
    assert.deepEqual(
      plain.containers[0].env.map((e: Any) => e.name),
      ['KOMPOX_CODEC_KEY_FILE'],
    );
  });

  void it('configures the worker in-cluster for the Cluster, a configuration the worker accepts', () => {
    const configMap = byKind(renderWorkerManifests(OPTIONS) as Any[], 'ConfigMap');
    const doc = parseAllDocuments(configMap.data['worker.yaml'])[0]!.toJS();
    assert.deepEqual(parseWorkerConfig(doc, 'worker.yaml').clusters, {
      '/ws/acme/prv/aks/cls/prod': { kind: 'inCluster' },
    });
  });

  void it('writes each ClusterRole rule with its reason as a comment, and parses back to the objects', () => {
    const objs = renderWorkerManifests(OPTIONS);
    const yaml = workerManifestsYaml(objs);
    assert.deepEqual(
      parseAllDocuments(yaml).map((d) => d.toJS()),
      JSON.parse(JSON.stringify(objs)),
    );
    for (const rule of WORKER_CLUSTER_ROLE_RULES) assert.ok(yaml.includes(`# ${rule.why}\n`), rule.why);
  });
});
