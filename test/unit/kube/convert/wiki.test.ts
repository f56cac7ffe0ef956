// The wiki example converted with two disks in one zone: the objects a deploy would apply.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  V1ConfigMap,
  V1Ingress,
  V1Namespace,
  V1NetworkPolicy,
  V1Secret,
  V1Service,
} from '@kubernetes/client-node';
import { convertApp } from '../../../../kube/convert';
import { WIKI_ENV_PASSWORD, wikiInput } from './fixture';
import { claimNames, container, deployment, ofKind, one, pvcOf, pvOf, secretText } from './helpers';

void describe('convertApp: wiki example', () => {
  const input = wikiInput();
  const result = convertApp(input);
  const ns = result.namespace;

  void it('orders objects for apply: namespace first, PV/PVC before the Deployment, Ingresses last', () => {
    const kinds = result.objects.map((object) => object.kind);
    assert.equal(kinds[0], 'Namespace');
    const deploymentAt = kinds.indexOf('Deployment');
    assert.ok(kinds.lastIndexOf('PersistentVolume') < kinds.indexOf('PersistentVolumeClaim'));
    assert.ok(kinds.lastIndexOf('PersistentVolumeClaim') < deploymentAt);
    assert.ok(kinds.lastIndexOf('Secret') < deploymentAt && kinds.lastIndexOf('ConfigMap') < deploymentAt);
    assert.deepEqual(kinds.slice(-2), ['Ingress', 'Ingress']);
  });

  void it('names the namespace as the reference does and puts every namespaced object in it', () => {
    assert.match(ns, /^k4x-[0-9a-z]{6}-wiki-[0-9a-z]{6}$/);
    const namespace = one<V1Namespace>(result, 'Namespace');
    assert.equal(namespace.metadata?.name, ns);
    assert.equal(namespace.metadata?.annotations?.['kompox.dev/app'], 'demo/local/dev/wiki');
    assert.equal(namespace.metadata?.annotations?.['kompox.dev/provider-driver'], 'local');
    for (const object of result.objects) {
      if (object.kind === 'Namespace' || object.kind === 'PersistentVolume') continue;
      assert.equal(object.metadata?.namespace, ns, `${object.kind} ${object.metadata?.name}`);
    }
  });

  void it('labels every object with the instance, kompox as manager and the render hash', () => {
    assert.match(result.renderHash, /^[0-9a-z]{12}$/);
    for (const object of result.objects) {
      const labels = object.metadata?.labels ?? {};
      assert.equal(labels['app.kubernetes.io/managed-by'], 'kompox');
      assert.match(labels['app.kubernetes.io/instance'] ?? '', /^wiki-[0-9a-z]{6}$/);
      assert.equal(labels['app.kubernetes.io/name'], 'wiki');
      assert.equal(labels['kompox.dev/render-hash'], result.renderHash);
    }
    assert.equal(
      result.instanceSelector,
      `app.kubernetes.io/instance=${deployment(result).metadata?.labels?.['app.kubernetes.io/instance']},app.kubernetes.io/managed-by=kompox`,
    );
    // The pod template must not change with every render, or any change would restart the pod.
    assert.equal(deployment(result).spec?.template.metadata?.labels?.['kompox.dev/render-hash'], undefined);
  });

  void it('runs both services in one pod, db as a sidecar wiki waits for: one replica, Recreate', () => {
    const spec = deployment(result).spec;
    assert.equal(deployment(result).metadata?.name, 'wiki-app');
    assert.equal(result.deploymentName, 'wiki-app');
    assert.equal(spec?.replicas, 1);
    assert.equal(spec?.strategy?.type, 'Recreate');
    assert.deepEqual(spec?.selector.matchLabels, { app: 'wiki-app' });
    assert.deepEqual(
      spec?.template.spec?.containers.map((c) => [c.name, c.image]),
      [['wiki', 'ghcr.io/requarks/wiki:2.5']],
    );
    // wiki depends on db being healthy: db is a native sidecar after the sub-path init container.
    assert.deepEqual(
      spec?.template.spec?.initContainers?.map((c) => [c.name, c.restartPolicy]),
      [
        ['init-volume-subpaths', undefined],
        ['db', 'Always'],
      ],
    );
    assert.equal(spec?.template.spec?.terminationGracePeriodSeconds, 60);
    assert.equal(spec?.template.spec?.enableServiceLinks, false);
  });

  void it('schedules onto the user pool in the zone of the disks', () => {
    const terms =
      deployment(result).spec?.template.spec?.affinity?.nodeAffinity
        ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    assert.deepEqual(terms, [
      {
        matchExpressions: [
          { key: 'kompox.dev/node-pool', operator: 'In', values: ['user'] },
          { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['local-1a'] },
        ],
      },
    ]);
  });

  void it('binds one static PV + PVC per volume to the assigned disk', () => {
    for (const volume of ['default', 'db']) {
      const disk = input.disks[volume];
      assert.ok(disk);
      const pv = pvOf(result, volume);
      const pvc = pvcOf(result, volume);
      const name = pv.metadata?.name ?? '';
      assert.match(name, new RegExp(`^k4x-[0-9a-z]{6}-${volume}-[0-9a-z]{6}-[0-9a-z]{6}$`));
      assert.equal(pv.spec?.hostPath?.path, disk.handle);
      assert.equal(pv.spec?.persistentVolumeReclaimPolicy, 'Retain');
      assert.deepEqual(pv.spec?.accessModes, ['ReadWriteOnce']);
      assert.equal(pv.spec?.storageClassName, '');
      assert.deepEqual(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms[0]?.matchExpressions, [
        { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['local-1a'] },
      ]);
      // Reserved for the app's claim; the uid is the PV controller's to add.
      assert.deepEqual(pv.spec?.claimRef, {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace: ns,
        name,
      });
      assert.equal(pvc.metadata?.name, name);
      assert.equal(pvc.spec?.volumeName, name);
      assert.equal(pvc.spec?.storageClassName, '');
      assert.deepEqual(pvc.spec?.resources?.requests, pv.spec?.capacity);
      assert.equal(claimNames(result)[volume], name);
      assert.deepEqual(
        result.volumes.find((binding) => binding.volume === volume),
        { volume, diskName: disk.diskName, claimName: name },
      );
    }
    assert.deepEqual(pvOf(result, 'default').spec?.capacity, { storage: '1Gi' });
    assert.deepEqual(pvOf(result, 'db').spec?.capacity, { storage: '2Gi' });
  });

  void it('mounts name/sub/path and ./relative binds as subPaths and creates them first', () => {
    assert.deepEqual(
      container(result, 'wiki').volumeMounts?.find((m) => m.mountPath === '/wiki/data'),
      { name: 'default', mountPath: '/wiki/data', subPath: 'data' },
    );
    assert.deepEqual(
      container(result, 'db').volumeMounts?.find((m) => m.mountPath === '/var/lib/postgresql/data'),
      { name: 'db', mountPath: '/var/lib/postgresql/data', subPath: 'postgres' },
    );
    const init = deployment(result).spec?.template.spec?.initContainers?.[0];
    assert.deepEqual(init, {
      name: 'init-volume-subpaths',
      image: 'busybox:1.36',
      command: ['mkdir', '-m', '1777', '-p', '/work/db/postgres', '/work/default/data'],
      volumeMounts: [
        { name: 'db', mountPath: '/work/db' },
        { name: 'default', mountPath: '/work/default' },
      ],
    });
  });

  void it('passes environment inline and env_file values only through a Secret', () => {
    const wiki = container(result, 'wiki');
    assert.deepEqual(
      wiki.env?.map((e) => e.name),
      ['DB_HOST', 'DB_NAME', 'DB_PORT', 'DB_TYPE', 'DB_USER'],
    );
    assert.equal(wiki.env?.find((e) => e.name === 'DB_PORT')?.value, '5432');
    assert.deepEqual(wiki.envFrom, [{ secretRef: { name: 'wiki-app-wiki-base' } }]);
    assert.equal(container(result, 'db').envFrom, undefined);
    const secret = one<V1Secret>(result, 'Secret', 'wiki-app-wiki-base');
    assert.deepEqual(Object.keys(secret.data ?? {}), ['DB_PASS']);
    assert.equal(secretText(secret, 'DB_PASS'), WIKI_ENV_PASSWORD);
    assert.match(secret.metadata?.annotations?.['kompox.dev/compose-content-hash'] ?? '', /^[0-9a-z]{6}$/);
  });

  void it('makes a ConfigMap from inline config content and a Secret from the secret file, mounted as files', () => {
    const config = one<V1ConfigMap>(result, 'ConfigMap', 'wiki-app--cfg-wiki-config');
    assert.match(config.data?.['wiki-config'] ?? '', /pass: \$\(DB_PASS\)/);
    const secret = one<V1Secret>(result, 'Secret', 'wiki-app--sec-db-password');
    assert.equal(secretText(secret, 'db-password.txt').trim(), WIKI_ENV_PASSWORD);
    assert.deepEqual(
      container(result, 'wiki').volumeMounts?.find((m) => m.mountPath === '/wiki/config.yml'),
      { name: 'cfg-wiki-config', mountPath: '/wiki/config.yml', subPath: 'wiki-config', readOnly: true },
    );
    assert.deepEqual(
      container(result, 'db').volumeMounts?.find((m) => m.mountPath === '/run/secrets/db-password'),
      {
        name: 'sec-db-password',
        mountPath: '/run/secrets/db-password',
        subPath: 'db-password.txt',
        readOnly: true,
      },
    );
    const volumes = deployment(result).spec?.template.spec?.volumes ?? [];
    assert.deepEqual(volumes.find((v) => v.name === 'cfg-wiki-config')?.configMap, {
      name: 'wiki-app--cfg-wiki-config',
      items: [{ key: 'wiki-config', path: 'wiki-config' }],
    });
    assert.deepEqual(volumes.find((v) => v.name === 'sec-db-password')?.secret, {
      secretName: 'wiki-app--sec-db-password',
      items: [{ key: 'db-password.txt', path: 'db-password.txt' }],
    });
    assert.match(
      deployment(result).spec?.template.metadata?.annotations?.['kompox.dev/compose-content-hash'] ?? '',
      /^[0-9a-z]{6}$/,
    );
  });

  void it('turns healthchecks into readiness probes, start_period into a startup probe', () => {
    const wiki = container(result, 'wiki');
    assert.deepEqual(wiki.readinessProbe, {
      exec: { command: ['wget', '-q', '-O', '/dev/null', 'http://localhost:3000/healthz'] },
      periodSeconds: 30,
      timeoutSeconds: 5,
      failureThreshold: 3,
      successThreshold: 1,
    });
    // start_period 60s polled every 5s, then the 3 retries.
    assert.equal(wiki.startupProbe?.failureThreshold, 15);
    assert.equal(wiki.startupProbe?.periodSeconds, 5);
    assert.equal(wiki.livenessProbe, undefined);
    const db = container(result, 'db');
    assert.deepEqual(db.readinessProbe?.exec?.command, ['/bin/sh', '-c', 'pg_isready -U wiki -d wiki']);
    assert.equal(db.readinessProbe?.periodSeconds, 10);
    assert.equal(db.readinessProbe?.failureThreshold, 5);
    // wiki waits for db to be healthy: db's healthcheck also gates the start of wiki, for as
    // long as compose would wait (5 retries 10s apart), polled every 5s.
    assert.deepEqual(db.startupProbe, {
      exec: { command: ['/bin/sh', '-c', 'pg_isready -U wiki -d wiki'] },
      periodSeconds: 5,
      timeoutSeconds: 5,
      failureThreshold: 10,
      successThreshold: 1,
    });
  });

  void it('sets resources from x-kompox and deploy.resources', () => {
    assert.deepEqual(container(result, 'wiki').resources, {
      limits: { memory: '1Gi' },
      requests: { cpu: '100m', memory: '256Mi' },
    });
    assert.deepEqual(container(result, 'db').resources, {
      limits: { memory: '1Gi' },
      requests: { cpu: '250m', memory: '256Mi' },
    });
  });

  void it('publishes ports: container ports, the rule-named Service and headless Services per compose service', () => {
    assert.deepEqual(container(result, 'wiki').ports, [{ containerPort: 3000, protocol: 'TCP' }]);
    assert.deepEqual(container(result, 'db').ports, [{ containerPort: 5432, protocol: 'TCP' }]);
    const service = one<V1Service>(result, 'Service', 'wiki-app');
    assert.deepEqual(service.spec?.ports, [{ name: 'web', port: 8080, targetPort: 3000, protocol: 'TCP' }]);
    assert.deepEqual(service.spec?.selector, { app: 'wiki-app' });
    for (const [name, port] of [
      ['wiki', 3000],
      ['db', 5432],
    ] as const) {
      const headless = one<V1Service>(result, 'Service', name);
      assert.equal(headless.spec?.clusterIP, 'None');
      assert.deepEqual(headless.spec?.selector, { app: 'wiki-app' });
      assert.equal(headless.metadata?.labels?.['kompox.dev/compose-service-headless'], 'true');
      assert.deepEqual(
        headless.spec?.ports?.map((p) => p.port),
        [port],
      );
    }
  });

  void it('routes the rule through Traefik on the generated and the custom host', () => {
    const ingresses = ofKind<V1Ingress>(result, 'Ingress');
    assert.deepEqual(
      ingresses.map((i) => [i.metadata?.name, i.spec?.rules?.map((r) => r.host)]),
      [
        ['wiki-app-default', [`wiki-${ns.split('-').pop()}-8080.dev.kompox.localhost`]],
        ['wiki-app-custom', ['wiki.example.test']],
      ],
    );
    for (const ingress of ingresses) {
      assert.equal(ingress.spec?.ingressClassName, 'traefik');
      assert.equal(
        ingress.metadata?.annotations?.['traefik.ingress.kubernetes.io/router.entrypoints'],
        'websecure',
      );
      assert.equal(ingress.metadata?.annotations?.['traefik.ingress.kubernetes.io/router.tls'], 'true');
      assert.deepEqual(ingress.spec?.rules?.[0]?.http?.paths, [
        { path: '/', pathType: 'Prefix', backend: { service: { name: 'wiki-app', port: { name: 'web' } } } },
      ]);
    }
  });

  void it('allows ingress only from the app, kube-system and the ingress controller namespaces', () => {
    const policy = one<V1NetworkPolicy>(result, 'NetworkPolicy', 'wiki');
    assert.deepEqual(policy.spec?.podSelector, {});
    assert.deepEqual(policy.spec?.policyTypes, ['Ingress']);
    assert.deepEqual(policy.spec?.ingress, [
      {
        _from: [
          {
            namespaceSelector: {
              matchExpressions: [
                {
                  key: 'kubernetes.io/metadata.name',
                  operator: 'In',
                  values: [ns, 'kube-system', 'traefik'],
                },
              ],
            },
          },
        ],
      },
    ]);
  });
});
