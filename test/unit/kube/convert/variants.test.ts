// Compose and App features the wiki example does not use, each converted from a small project.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1ConfigMap, V1NetworkPolicy, V1Secret, V1Service } from '@kubernetes/client-node';
import { BINARY, convertProject } from './fixture';
import { container, deployment, ofKind, one } from './helpers';

const convert = convertProject;

const MANY_FEATURES = `services:
  web:
    image: nginx:1.27
    entrypoint: ["/bin/sh", "-c", "echo $$HOME $$(whoami)"]
    command: ["--price", "$$5"]
    environment:
      GREETING: "costs $$(PRICE)"
    ports: ["8080:80", "53:53/udp", "9000"]
    volumes: ["data:/usr/share/nginx/html:ro"]
    configs:
      - { source: site, target: /etc/nginx/conf.d/site.conf }
      - { source: blob, target: /opt/blob.bin }
      - { source: shared, target: /etc/shared.conf, mode: 0440 }
    secrets:
      - { source: key, target: /run/key, mode: 0400 }
    healthcheck:
      test: curl -f http://localhost/
configs:
  site: { file: ./site.conf }
  blob: { file: ./blob.bin }
  shared: { external: true, name: shared-settings }
secrets:
  key: { file: ./key.pem }
`;

void describe('convertApp: compose variants', () => {
  const result = convert({
    compose: MANY_FEATURES,
    extra: { 'site.conf': 'x', 'blob.bin': 'x', 'key.pem': 'x' },
  });

  void it('escapes $ so Kubernetes does not expand what compose left literal', () => {
    const web = container(result, 'web');
    assert.deepEqual(web.command, ['/bin/sh', '-c', 'echo $$HOME $$(whoami)']);
    assert.deepEqual(web.args, ['--price', '$$5']);
    assert.deepEqual(web.env, [{ name: 'GREETING', value: 'costs $$(PRICE)' }]);
  });

  void it('without ingress rules publishes host ports as p<port>, keeping the protocol', () => {
    const service = one<V1Service>(result, 'Service', 'app1-app');
    assert.deepEqual(service.spec?.ports, [
      { name: 'p53-udp', port: 53, targetPort: 53, protocol: 'UDP' },
      { name: 'p8080', port: 8080, targetPort: 80, protocol: 'TCP' },
    ]);
    assert.deepEqual(container(result, 'web').ports, [
      { containerPort: 80, protocol: 'TCP' },
      { containerPort: 53, protocol: 'UDP' },
      { containerPort: 9000, protocol: 'TCP' },
    ]);
    assert.deepEqual(
      one<V1Service>(result, 'Service', 'web').spec?.ports?.map((p) => p.name),
      ['p80', 'p53-udp', 'p9000'],
    );
    assert.equal(ofKind(result, 'Ingress').length, 0);
  });

  void it('honours :ro, and a CMD-SHELL string healthcheck gets Docker defaults', () => {
    const web = container(result, 'web');
    assert.deepEqual(web.volumeMounts?.[0], {
      name: 'data',
      mountPath: '/usr/share/nginx/html',
      readOnly: true,
    });
    assert.deepEqual(web.readinessProbe, {
      exec: { command: ['/bin/sh', '-c', 'curl -f http://localhost/'] },
      periodSeconds: 30,
      timeoutSeconds: 30,
      failureThreshold: 3,
      successThreshold: 1,
    });
    assert.equal(deployment(result).spec?.template.spec?.initContainers, undefined);
  });

  void it('stores text files as data, binary files as binaryData, keyed by file name', () => {
    const site = one<V1ConfigMap>(result, 'ConfigMap', 'app1-app--cfg-site');
    assert.deepEqual(site.data, { 'site.conf': 'text of site.conf\n' });
    const blob = one<V1ConfigMap>(result, 'ConfigMap', 'app1-app--cfg-blob');
    assert.deepEqual(blob.binaryData, { 'blob.bin': BINARY.toString('base64') });
    assert.equal(blob.data, undefined);
    const key = one<V1Secret>(result, 'Secret', 'app1-app--sec-key');
    assert.deepEqual(key.data, { 'key.pem': Buffer.from('text of key.pem\n').toString('base64') });
  });

  void it('mounts external configs by name without creating them, and applies file modes', () => {
    assert.equal(ofKind(result, 'ConfigMap').length, 2);
    const volumes = deployment(result).spec?.template.spec?.volumes ?? [];
    assert.deepEqual(volumes.find((v) => v.name === 'cfg-shared-m0440')?.configMap, {
      name: 'shared-settings',
      items: [{ key: 'shared', path: 'shared', mode: 0o440 }],
    });
    assert.deepEqual(volumes.find((v) => v.name === 'sec-key-m0400')?.secret, {
      secretName: 'app1-app--sec-key',
      items: [{ key: 'key.pem', path: 'key.pem', mode: 0o400 }],
    });
    assert.ok(
      result.warnings.some((w) => w.includes('"shared" is external') && w.includes('shared-settings')),
    );
  });

  void it('warns about a volume no service mounts, and leaves it out of the pod', () => {
    assert.ok(result.warnings.some((w) => w.includes('volume "db" is not mounted')));
    const volumes = deployment(result).spec?.template.spec?.volumes ?? [];
    assert.deepEqual(
      volumes.filter((v) => v.persistentVolumeClaim).map((v) => v.name),
      ['data'],
    );
    assert.equal(ofKind(result, 'PersistentVolumeClaim').length, 2);
  });
});

void describe('convertApp: App settings', () => {
  void it('schedules an app without volumes by spec.deployment pools and zones', () => {
    const result = convert(
      {
        appSpec: 'compose: file:compose.yml\ndeployment: { pools: [big, user], zones: [local-1b, local-1c] }',
        compose: 'services:\n  web:\n    image: nginx:1.27\n',
      },
      {},
    );
    assert.deepEqual(
      deployment(result).spec?.template.spec?.affinity?.nodeAffinity
        ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchExpressions,
      [
        { key: 'kompox.dev/node-pool', operator: 'In', values: ['big', 'user'] },
        { key: 'kompox.dev/node-zone', operator: 'In', values: ['local-1b', 'local-1c'] },
      ],
    );
    assert.equal(ofKind(result, 'PersistentVolume').length, 0);
    assert.equal(ofKind(result, 'Service').length, 1, 'only the headless Service');
  });

  void it('adds NetworkPolicy rules from spec.networkPolicy, dropping empty selectors', () => {
    const result = convert(
      {
        appSpec: `compose: file:compose.yml
volumes: [{ name: data, size: 1Gi }, { name: db, size: 1Gi }]
networkPolicy:
  ingressRules:
    - from: [{ namespaceSelector: { matchLabels: { team: "ops" } } }]
      ports: [{ port: 9090 }]`,
        compose: 'services:\n  web:\n    image: nginx:1.27\n    volumes: ["data:/a", "db:/b"]\n',
      },
      undefined,
      // kom refuses empty selectors; a hand-made model must not open the app up either.
      (context) =>
        context.app.networkPolicy.ingressRules.push({
          from: [{ namespaceSelector: { matchLabels: {}, matchExpressions: [] } }],
          ports: [],
        }),
    );
    const policy = one<V1NetworkPolicy>(result, 'NetworkPolicy');
    assert.equal(policy.spec?.ingress?.length, 2);
    assert.deepEqual(policy.spec?.ingress?.[1], {
      _from: [{ namespaceSelector: { matchLabels: { team: 'ops' } } }],
      ports: [{ protocol: 'TCP', port: 9090 }],
    });
  });

  void it('uses the App certificate resolver on the custom-host Ingress', () => {
    const result = convert({
      appSpec: `compose: file:compose.yml
volumes: [{ name: data, size: 1Gi }, { name: db, size: 1Gi }]
ingress:
  certResolver: production
  rules: [{ name: http, port: 8080, hosts: [a.example.org, b.example.org] }]`,
      compose:
        'services:\n  web:\n    image: nginx:1.27\n    ports: ["8080:80"]\n    volumes: ["data:/a", "db:/b"]\n',
    });
    const custom = ofKind(result, 'Ingress').find((i) => i.metadata?.name === 'app1-app-custom');
    assert.equal(
      custom?.metadata?.annotations?.['traefik.ingress.kubernetes.io/router.tls.certresolver'],
      'production',
    );
  });
});
