// Published ports: the same number on TCP and UDP is two ports; ranges expand port by port.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Service } from '@kubernetes/client-node';
import { convertProject } from './fixture';
import { container, one } from './helpers';

void describe('convertApp: ports', () => {
  void it('publishes 53 on both TCP and UDP', () => {
    const result = convertProject({
      compose: `services:\n  dns:\n    image: coredns/coredns\n    ports: ['53:53/tcp', '53:53/udp']\n`,
    });
    assert.deepEqual(one<V1Service>(result, 'Service', 'app1-app').spec?.ports, [
      { name: 'p53', port: 53, targetPort: 53, protocol: 'TCP' },
      { name: 'p53-udp', port: 53, targetPort: 53, protocol: 'UDP' },
    ]);
    assert.deepEqual(container(result, 'dns').ports, [
      { containerPort: 53, protocol: 'TCP' },
      { containerPort: 53, protocol: 'UDP' },
    ]);
  });

  void it('expands a range on the same offsets, host and container', () => {
    const result = convertProject({
      compose: `services:\n  web:\n    image: node:22\n    ports: ['3000-3002:4000-4002', '7000-7001/udp']\n`,
    });
    assert.deepEqual(
      one<V1Service>(result, 'Service', 'app1-app').spec?.ports?.map((port) => [port.port, port.targetPort]),
      [
        [3000, 4000],
        [3001, 4001],
        [3002, 4002],
      ],
    );
    assert.deepEqual(
      container(result, 'web').ports?.map((port) => `${port.containerPort}/${port.protocol}`),
      ['4000/TCP', '4001/TCP', '4002/TCP', '7000/UDP', '7001/UDP'],
    );
  });
});
