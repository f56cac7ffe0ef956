// Renamed compose names reach the cluster under their Kubernetes names, and every name that
// passes validation renders.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1ConfigMap, V1Service } from '@kubernetes/client-node';
import { convertProject, localDisk } from './fixture';
import { deployment, ofKind } from './helpers';

void describe('convertApp: names that are not DNS labels', () => {
  const result = convertProject(
    {
      appSpec: 'compose: file:compose.yml\nvolumes: [{ name: db_data, size: 1Gi }]',
      compose: `services:
  front_end: { image: nginx, volumes: ['db_data:/data'], configs: [my_config] }
  2fa: { image: authelia, ports: ['9091:9091'], extra_hosts: ['ldap.corp:10.0.0.5', 'ldap2.corp=10.0.0.5'] }
  NGINX: { image: nginx }
configs:
  my_config: { content: "x" }
`,
    },
    { 'db-data': localDisk('db-data', 'd1', 'local-1a') },
  );

  void it('names containers and headless Services by the mapped names', () => {
    const pod = deployment(result).spec?.template.spec;
    assert.deepEqual(
      pod?.containers.map((c) => c.name),
      ['front-end', 'svc-2fa', 'nginx'],
    );
    const headless = ofKind<V1Service>(result, 'Service')
      .filter((service) => service.spec?.clusterIP === 'None')
      .map((service) => service.metadata?.name);
    assert.deepEqual(headless, ['front-end', 'svc-2fa', 'nginx']);
  });

  void it('lets siblings reach a digit-led service by its compose name, next to extra_hosts', () => {
    assert.deepEqual(deployment(result).spec?.template.spec?.hostAliases, [
      { ip: '10.0.0.5', hostnames: ['ldap.corp', 'ldap2.corp'] },
      { ip: '127.0.0.1', hostnames: ['2fa'] },
    ]);
  });

  void it('uses mapped names for the volume, the ConfigMap and its pod volume', () => {
    const pod = deployment(result).spec?.template.spec;
    assert.equal(pod?.volumes?.find((volume) => volume.persistentVolumeClaim)?.name, 'db-data');
    assert.deepEqual(
      ofKind<V1ConfigMap>(result, 'ConfigMap').map((configMap) => configMap.metadata?.name),
      ['app1-app--cfg-my-config'],
    );
    assert.ok(pod?.volumes?.some((volume) => volume.name === 'cfg-my-config'));
  });
});
